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
}
