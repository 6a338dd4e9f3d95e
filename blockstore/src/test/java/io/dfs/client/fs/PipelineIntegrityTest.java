package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static io.dfs.client.fs.FileRoundTripTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.proto.LocatedBlock;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node of a pipeline forwards each packet downstream while it verifies and writes the same
 * bytes itself: the two must never disturb each other. A race there shows up as checksum errors
 * on healthy nodes, and pipelines that shed good nodes (blocks with fewer replicas than asked).
 */
class PipelineIntegrityTest {
  static final int MiB = 1 << 20;
  @TempDir Path dir;

  @Test
  void forwardingNodesNeverSeeChecksumErrorsOnHealthyData() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("pipeline");
      for (int f = 0; f < 4; f++) {
        byte[] data = random(12 * MiB + 17, 30 + f);
        try (OutputStream out = fs.create("/p" + f, CreateOptions.defaults())) {
          out.write(data);
        }
        assertThat(sha256(readAll(fs, "/p" + f))).isEqualTo(sha256(data));
        for (LocatedBlock b : ((DfsClient) fs).metadata().getBlockLocations("/p" + f, 0, 0).getBlocksList()) {
          assertThat(b.getLocationsCount()).as("replicas of block %d", b.getBlock().getBlockId()).isEqualTo(3);
        }
      }
      for (int i = 0; i < cluster.nodeCount(); i++) {
        assertThat(cluster.node(i).metrics().counter("checksum.errors").getCount()).as("node %d", i).isZero();
      }
    }
  }
}
