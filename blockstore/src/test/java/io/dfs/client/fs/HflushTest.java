package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static io.dfs.client.fs.FileRoundTripTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.server.MetadataServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hflush: visible to new readers of other clients, the block stays open; hsync: survives every node restarting. */
class HflushTest {
  static final int MiB = 1 << 20;
  @TempDir Path dir;

  @Test
  void aNewReaderOfAnotherClientSeesEveryHflushedByteWhileTheBlockStaysOpen() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem writer = cluster.newFileSystem("writer");
      DfsFileSystem reader = cluster.newFileSystem("reader");
      byte[] data = random(MiB / 2 + 5_000, 50);
      try (DfsOutputStream out = writer.create("/tail", CreateOptions.defaults())) {
        int written = 0;
        for (int size : new int[] {1_000, 70_000, 3, 200_000}) {
          out.write(data, written, size);
          written += size;
          out.hflush();
          assertThat(readAll(reader, "/tail")).as("after hflush at %d", written)
              .isEqualTo(Arrays.copyOf(data, written));
          int expected = written;
          // the length reaches the namespace too (asynchronously for hflush): stat shows it
          await().atMost(Duration.ofSeconds(10))
              .until(() -> reader.stat("/tail").getLength(), length -> length == expected);
        }
        out.write(data, written, data.length - written);
      }
      assertThat(sha256(readAll(reader, "/tail"))).isEqualTo(sha256(data));
      // hflush kept one block open instead of ending a block per call
      assertThat(((DfsClient) reader).metadata().getBlockLocations("/tail", 0, 0).getBlocksCount()).isEqualTo(1);
    }
  }

  @Test
  void hsyncedBytesOfADeadWriterSurviveEveryNodeRestarting() throws Exception {
    Map<String, String> settings = MiniDfsCluster.fastSettings();
    settings.put(MetadataServer.LEASE_HARD_LIMIT_MS, "3000");
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3, settings, Map.of())) {
      DfsFileSystem writer = cluster.newFileSystem("doomed");
      byte[] data = random(MiB + MiB / 3, 51);
      DfsOutputStream out = writer.create("/journal", CreateOptions.defaults());
      out.write(data);
      out.hsync();
      assertThat(cluster.newFileSystem("observer").stat("/journal").getLength()).as("length after hsync")
          .isEqualTo(data.length);
      writer.close(); // the writer dies: no close of the stream, no more lease renewals
      for (int i = 0; i < cluster.nodeCount(); i++) {
        cluster.restartNode(i);
      }
      DfsFileSystem reader = cluster.newFileSystem("reader");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> !reader.stat("/journal").getUnderConstruction());
      assertThat(reader.stat("/journal").getLength()).isEqualTo(data.length);
      assertThat(sha256(readAll(reader, "/journal"))).isEqualTo(sha256(data));
    }
  }
}
