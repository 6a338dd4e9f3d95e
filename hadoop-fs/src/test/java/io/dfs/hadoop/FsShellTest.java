package io.dfs.hadoop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FsShell;
import org.apache.hadoop.util.ToolRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** `hadoop fs` against the cluster: the commands people type, with their exit codes and output. */
@ExtendWith(DfsClusterExtension.class)
class FsShellTest {
  static Configuration conf;

  @BeforeAll
  static void start() throws Exception {
    conf = DfsContract.clientConf(new Configuration());
  }

  record Run(int code, String out) {}

  static Run shell(String... args) throws Exception {
    PrintStream oldOut = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      int code = ToolRunner.run(new FsShell(conf), args);
      return new Run(code, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
    }
  }

  @Test
  void roundTrip(@TempDir Path local) throws Exception {
    String root = "dfs://contract/shell";
    byte[] content = "hello from hadoop fs\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(local.resolve("f.txt"), content);

    assertThat(shell("-mkdir", "-p", root + "/a/b").code()).isZero();
    assertThat(shell("-put", file.toString(), root + "/a/b/f.txt").code()).isZero();
    Run ls = shell("-ls", "-R", root);
    assertThat(ls.code()).isZero();
    assertThat(ls.out()).contains(root + "/a/b/f.txt").contains(Integer.toString(content.length));
    Run cat = shell("-cat", root + "/a/b/f.txt");
    assertThat(cat.out()).isEqualTo(new String(content, StandardCharsets.UTF_8));

    assertThat(shell("-mv", root + "/a/b/f.txt", root + "/g.txt").code()).isZero();
    assertThat(shell("-test", "-e", root + "/a/b/f.txt").code()).isEqualTo(1);
    CRC32C crc = new CRC32C();
    crc.update(content);
    Run sum = shell("-checksum", root + "/g.txt");
    assertThat(sum.code()).isZero();
    assertThat(sum.out()).contains("COMPOSITE-CRC32C").contains(HexFormat.of().toHexDigits((int) crc.getValue()));

    Path back = local.resolve("back.txt");
    assertThat(shell("-get", root + "/g.txt", back.toString()).code()).isZero();
    assertThat(Files.readAllBytes(back)).isEqualTo(content);

    assertThat(shell("-rm", "-r", "-skipTrash", root).code()).isZero();
    assertThat(shell("-test", "-d", root).code()).isEqualTo(1);
    assertThat(shell("-ls", root).code()).isEqualTo(1);
  }
}
