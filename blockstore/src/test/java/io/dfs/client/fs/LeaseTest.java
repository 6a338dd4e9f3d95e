package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static io.dfs.client.fs.FileRoundTripTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.error.AlreadyBeingCreatedException;
import io.dfs.metadata.server.MetadataServer;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files under a writer's lease: refused to others while it lives, recovered when it lapses. */
class LeaseTest {
  static final int MiB = 1 << 20;
  @TempDir Path dir;

  private static Map<String, String> shortLeases() {
    Map<String, String> s = MiniDfsCluster.fastSettings();
    s.put(MetadataServer.LEASE_HARD_LIMIT_MS, "3000");
    return s;
  }

  @Test
  void crashedWritersFileCompletesAtTheAcknowledgedLengthAndReturnsToItsReplication() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3, shortLeases(), Map.of())) {
      DfsFileSystem writer = cluster.newFileSystem("doomed-writer");
      byte[] data = random(3 * MiB, 21);
      int flushed = 2 * MiB + MiB / 2; // two whole blocks and half of a third
      DfsOutputStream out = writer.create("/log", CreateOptions.defaults());
      out.write(data, 0, flushed);
      out.hflush();
      out.write(data, flushed, MiB / 4); // never flushed: the client dies with it in flight
      // the client dies: no close, no more renewals
      writer.close();

      DfsFileSystem reader = cluster.newFileSystem("reader");
      assertThat(reader.stat("/log").getUnderConstruction()).isTrue();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> !reader.stat("/log").getUnderConstruction());
      // everything hflush made durable, and perhaps more that every node acknowledged since
      int recovered = (int) reader.stat("/log").getLength();
      assertThat(recovered).isBetween(flushed, flushed + MiB / 4);
      assertThat(sha256(readAll(reader, "/log"))).isEqualTo(sha256(Arrays.copyOf(data, recovered)));
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertThat(reader.fsck("/").getProblemsList()).isEmpty());
    }
  }

  @Test
  void aFileBeingWrittenCannotBeReplacedByAnotherClient() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem a = cluster.newFileSystem("holder");
      DfsFileSystem b = cluster.newFileSystem("intruder");
      byte[] data = random(MiB + 7, 22);
      try (OutputStream out = a.create("/busy", CreateOptions.defaults())) {
        out.write(data, 0, MiB / 2);
        assertThatThrownBy(() -> b.create("/busy", CreateOptions.defaults().withOverwrite(true)))
            .isInstanceOf(AlreadyBeingCreatedException.class);
        out.write(data, MiB / 2, data.length - MiB / 2);
      }
      assertThat(sha256(readAll(b, "/busy"))).isEqualTo(sha256(data));
    }
  }

  @Test
  void aQuietWriterKeepsItsLeasePastTheHardLimit() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3, shortLeases(), Map.of())) {
      DfsFileSystem fs = cluster.newFileSystem("patient");
      byte[] data = random(MiB / 3, 23);
      try (OutputStream out = fs.create("/slow", CreateOptions.defaults())) {
        out.write(data, 0, 100);
        Thread.sleep(8000); // well past the 3 s hard limit: the renewer keeps the lease
        assertThat(fs.stat("/slow").getUnderConstruction()).isTrue();
        out.write(data, 100, data.length - 100);
      }
      assertThat(sha256(readAll(fs, "/slow"))).isEqualTo(sha256(data));
    }
  }
}
