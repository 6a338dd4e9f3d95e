package io.dfs.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dfs tool end to end against a real cluster, exit codes included. */
class DfsCommandTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static Path config;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir.resolve("cluster"), 3);
    config = dir.resolve("cluster.properties");
    try (Writer w = Files.newBufferedWriter(config)) {
      cluster.config().properties().store(w, null);
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Result dfs(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add(1, "--config=" + config);
    int code = DfsCommand.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  /** The tool as a user with a certificate of their own (it is that user, nobody else). */
  static Result dfsAs(String identity, String... args) {
    cluster.metadata().tls(new io.dfs.client.tls.ServiceIdentity(identity, io.dfs.client.tls.ServiceIdentity.Role.CLIENT));
    System.setProperty(io.dfs.client.tls.ClusterTls.CLIENT_IDENTITY, identity);
    try {
      return dfs(args);
    } finally {
      System.clearProperty(io.dfs.client.tls.ClusterTls.CLIENT_IDENTITY);
    }
  }

  @Test
  void anAdministratorHandsOutDirectoriesAndAUserIsHeldToTheirModeBits() throws Exception {
    assertThat(dfs("mkdir", "-p", "/home/erin").code()).isZero();
    assertThat(dfs("chown", "erin:erin", "/home/erin").code()).isZero();
    assertThat(dfs("chmod", "700", "/home/erin").code()).isZero();
    assertThat(dfs("ls", "-l", "/home").out()).contains("drwx------").contains("erin");

    assertThat(dfsAs("erin", "mkdir", "/home/erin/src").code()).isZero();
    assertThat(dfsAs("erin", "ls", "-l", "/home/erin").out()).contains("src").contains("erin");
    Result outside = dfsAs("erin", "mkdir", "/not-hers");
    assertThat(outside.code()).as(outside.err()).isEqualTo(9);
    assertThat(outside.err()).contains("permission denied for erin");
    assertThat(dfsAs("frank", "ls", "/home/erin").code()).isEqualTo(9);
    assertThat(dfsAs("erin", "chown", "frank", "/home/erin/src").code()).isEqualTo(9);
    assertThat(dfs("chmod", "8x", "/home/erin").code()).isEqualTo(2);
  }

  @Test
  void everyCommandWorksEndToEnd() throws Exception {
    byte[] data = new byte[3 * (1 << 20) + 7];
    new Random(1).nextBytes(data);
    Path local = dir.resolve("local.bin");
    Files.write(local, data);

    assertThat(dfs("mkdir", "-p", "/cli/a/b").code()).isZero();
    assertThat(dfs("put", local.toString(), "/cli/a/data.bin").code()).isZero();
    Result ls = dfs("ls", "-l", "/cli/a");
    assertThat(ls.out()).contains("data.bin").contains(Integer.toString(data.length)).contains("drwxr-xr-x");
    assertThat(dfs("ls", "-R", "/cli").out()).contains("/cli/a/b").contains("/cli/a/data.bin");
    assertThat(dfs("stat", "/cli/a/data.bin").out()).contains("replication: 3").contains("size:        " + data.length);

    Path back = dir.resolve("back.bin");
    assertThat(dfs("get", "/cli/a/data.bin", back.toString()).code()).isZero();
    assertThat(Files.readAllBytes(back)).isEqualTo(data);

    PrintStream realOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured));
    try {
      assertThat(dfs("cat", "/cli/a/data.bin").code()).isZero();
    } finally {
      System.setOut(realOut);
    }
    assertThat(captured.toByteArray()).isEqualTo(data);

    assertThat(dfs("mv", "/cli/a/data.bin", "/cli/a/b").code()).isZero();
    assertThat(dfs("du", "/cli").out()).startsWith(Integer.toString(data.length));
    assertThat(dfs("setrep", "2", "/cli/a/b/data.bin").code()).isZero();
    assertThat(dfs("stat", "/cli/a/b/data.bin").out()).contains("replication: 2");
    Result status = dfs("cluster", "status");
    assertThat(status.out()).contains("LEADER").contains("node  n1").contains("LIVE");
    assertThat(dfs("rm", "-r", "/cli").code()).isZero();
    assertThat(dfs("ls", "/").out()).doesNotContain("/cli");
  }

  @Test
  void errorsHaveMessagesAndDistinctExitCodes() {
    assertThat(dfs("mkdir", "/exists").code()).isZero();
    Result exists = dfs("mkdir", "/exists");
    assertThat(exists.code()).isEqualTo(4);
    assertThat(exists.err()).contains("exists");
    assertThat(dfs("stat", "/missing").code()).isEqualTo(3);
    assertThat(dfs("mkdir", "-p", "/exists/inner").code()).isZero();
    assertThat(dfs("rm", "/exists").code()).isEqualTo(6);
    assertThat(dfs("mkdir", "/a/../b").code()).isEqualTo(7);
    assertThat(dfs("nonsense").code()).isEqualTo(2);
    assertThat(dfs("fsck", "/").out()).contains("HEALTHY");
    assertThat(dfs("ls", "--help").out()).contains("Usage");
  }

  static String captureStdout(Runnable r) {
    PrintStream realOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true));
    try {
      r.run();
    } finally {
      System.setOut(realOut);
    }
    return captured.toString();
  }

  @Test
  void putAndGetCopyTreesCreateParentsAndPreserveAttributes() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("tree/sub"));
    Files.writeString(tree.resolve("x.txt"), "x");
    Files.writeString(tree.getParent().resolve("top.log"), "top");
    Files.createSymbolicLink(tree.resolve("link"), Path.of("x.txt"));
    Files.setPosixFilePermissions(tree.resolve("x.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(tree.resolve("x.txt"), java.nio.file.attribute.FileTime.fromMillis(1_500_000_000_000L));

    assertThat(dfs("put", tree.getParent().resolve("top.log").toString(), "/deep/new/parents/top.log").code()).isZero();
    Result again = dfs("put", tree.getParent().resolve("top.log").toString(), "/deep/new/parents/top.log");
    assertThat(again.code()).isEqualTo(4);
    assertThat(dfs("put", "-f", tree.getParent().resolve("top.log").toString(), "/deep/new/parents/top.log").code())
        .isZero();
    assertThat(dfs("put", tree.getParent().toString(), "/copies").code()).as("a directory needs -r").isEqualTo(5);
    assertThat(dfs("put", "-r", "-p", tree.getParent().toString(), "/copies").code()).isZero();
    Result st = dfs("stat", "/copies/sub/x.txt");
    assertThat(st.out()).contains("mode:        640").contains("modified:    2017-07-14T02:40:00Z");

    Path back = dir.resolve("back-tree");
    assertThat(dfs("get", "-r", "-p", "/copies", back.toString()).code()).isZero();
    assertThat(Files.readString(back.resolve("sub/x.txt"))).isEqualTo("x");
    assertThat(Files.readString(back.resolve("top.log"))).isEqualTo("top");
    assertThat(Files.readSymbolicLink(back.resolve("sub/link"))).as("a link stays a link").isEqualTo(Path.of("x.txt"));
    assertThat(dfs("ls", "-l", "/copies/sub/link").out()).contains("-> x.txt");
    assertThat(Files.getLastModifiedTime(back.resolve("sub/x.txt")).toMillis()).isEqualTo(1_500_000_000_000L);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("sub/x.txt"))))
        .isEqualTo("rw-r-----");
    Result exists = dfs("get", "/copies/top.log", back.resolve("top.log").toString());
    assertThat(exists.code()).as("an existing local file needs -f").isEqualTo(4);
    assertThat(dfs("get", "/copies", dir.resolve("nope").toString()).code()).as("a directory needs -r").isEqualTo(5);
  }

  @Test
  void globsTestsCountsChecksumsAndTail() throws Exception {
    for (String day : List.of("2026-01-01", "2026-01-02", "2025-12-31")) {
      Path f = Files.writeString(dir.resolve(day + ".log"), "log of " + day + "\n");
      assertThat(dfs("put", f.toString(), "/logs/" + day + ".log").code()).isZero();
    }
    assertThat(dfs("ls", "/logs/2026-*").out().lines().toList())
        .containsExactly("/logs/2026-01-01.log", "/logs/2026-01-02.log");
    assertThat(dfs("ls", "/logs/202[5]-*").out().lines().toList()).containsExactly("/logs/2025-12-31.log");
    Result none = dfs("ls", "/logs/1999-*");
    assertThat(none.code()).isEqualTo(3);
    assertThat(none.err()).contains("no match");
    assertThat(captureStdout(() -> dfs("cat", "/logs/*-01-0?.log")))
        .isEqualTo("log of 2026-01-01\nlog of 2026-01-02\n");

    assertThat(dfs("touchz", "/logs/empty").code()).isZero();
    assertThat(dfs("touchz", "/logs/empty").code()).isZero();
    assertThat(dfs("touchz", "/logs/2025-12-31.log").code()).isEqualTo(4);
    assertThat(dfs("test", "-e", "/logs/empty").code()).isZero();
    assertThat(dfs("test", "-z", "/logs/empty").code()).isZero();
    assertThat(dfs("test", "-s", "/logs/empty").code()).isEqualTo(1);
    assertThat(dfs("test", "-d", "/logs").code()).isZero();
    assertThat(dfs("test", "-f", "/logs").code()).isEqualTo(1);
    assertThat(dfs("test", "-e", "/logs/missing").code()).isEqualTo(1);
    assertThat(dfs("test", "/logs").code()).as("one test is required").isEqualTo(2);

    assertThat(dfs("count", "/logs").out().trim().split("\\s+"))
        .containsExactly("1", "4", Long.toString(3 * "log of 2026-01-01\n".length()), "/logs");
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update("log of 2025-12-31\n".getBytes());
    assertThat(dfs("checksum", "/logs/2025-*").out())
        .isEqualTo("/logs/2025-12-31.log\tCOMPOSITE-CRC32C\t" + java.util.HexFormat.of().toHexDigits((int) crc.getValue())
            + System.lineSeparator());

    assertThat(dfs("mkdir", "/logs/old").code()).isZero();
    assertThat(dfs("mv", "/logs/2026-*", "/logs/old").code()).isZero();
    assertThat(dfs("ls", "/logs/old").out().lines().toList())
        .containsExactly("/logs/old/2026-01-01.log", "/logs/old/2026-01-02.log");
    assertThat(dfs("rm", "/logs/old/*").code()).isZero();
    assertThat(dfs("ls", "/logs/old").out()).isEmpty();
    assertThat(dfs("rm", "-f", "/logs/never-was").code()).isZero();

    assertThat(dfs("ln", "-s", "old/2026-01-01.log", "/logs/latest").code()).isZero();
    assertThat(dfs("ls", "-l", "/logs/latest").out()).startsWith("lrwxrwxrwx").contains("/logs/latest -> old/2026-01-01.log");
    assertThat(dfs("cat", "/logs/latest").code()).as("the namespace does not follow links").isEqualTo(7);
    assertThat(dfs("ln", "-s", "x", "/logs/latest").code()).isEqualTo(4);
    assertThat(dfs("ln", "/logs/2025-12-31.log", "/logs/year-end").code()).as("a hard link").isZero();
    assertThat(dfs("rm", "/logs/2025-12-31.log").code()).isZero();
    assertThat(captureStdout(() -> dfs("cat", "/logs/year-end"))).isEqualTo("log of 2025-12-31\n");
    assertThat(dfs("ln", "/logs/old", "/logs/old2").code()).as("no hard links to directories").isNotZero();
  }

  @Test
  void tailPrintsTheLastKilobyteAndFollowsAWriter() throws Exception {
    byte[] big = new byte[5000];
    java.util.Arrays.fill(big, (byte) 'a');
    big[big.length - 1] = 'z';
    Path local = Files.write(dir.resolve("big.txt"), big);
    assertThat(dfs("put", local.toString(), "/tail/big.txt").code()).isZero();
    String last = captureStdout(() -> dfs("tail", "/tail/big.txt"));
    assertThat(last).hasSize(1024).endsWith("az");

    try (var fs = cluster.newFileSystem("tail-writer");
         var out = fs.create("/tail/growing", io.dfs.client.fs.CreateOptions.defaults())) {
      out.write("first\n".getBytes());
      out.hflush();
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      PrintStream realOut = System.out;
      System.setOut(new PrintStream(captured, true));
      Thread follower = new Thread(() -> dfs("tail", "-f", "--interval-ms=100", "/tail/growing"));
      try {
        follower.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
            .until(() -> captured.toString().equals("first\n"));
        out.write("second\n".getBytes());
        out.hflush();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
            .until(() -> captured.toString().equals("first\nsecond\n"));
      } finally {
        follower.interrupt();
        follower.join(10_000);
        System.setOut(realOut);
      }
      assertThat(follower.isAlive()).isFalse();
    }
  }
}
