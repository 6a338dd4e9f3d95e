package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.proto.LocatedBlock;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node keeps its connection to the next pipeline node after a block ends cleanly, and the next
 * node takes the following block's setup on it: small files stop paying a connection per hop. A
 * kept connection must never break a later write, even when its node restarted meanwhile.
 */
class PipelineConnectionReuseTest {
  @TempDir Path dir;

  @Test
  void consecutiveBlocksReuseNodeToNodeConnectionsAndSurviveARestartedNode() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("reuse");
      int files = 30;
      for (int i = 0; i < files; i++) {
        write(fs, "/r" + i, random(3000 + i, i));
      }
      // 2 hops per file after the first few (one kept link per pair of nodes is enough)
      assertThat(reused(cluster)).as("blocks sent downstream over a kept connection").isGreaterThan(files);
      for (int i = 0; i < files; i++) {
        assertThat(readAll(fs, "/r" + i)).isEqualTo(random(3000 + i, i));
      }

      cluster.restartNode(1); // every link kept towards n2 (and n2's own) is now dead
      cluster.awaitLiveNodes(3);
      for (int i = 0; i < files; i++) {
        write(fs, "/after" + i, random(5000 + i, 100 + i));
      }
      long errors = 0;
      for (int n = 0; n < cluster.nodeCount(); n++) {
        errors += cluster.node(n).metrics().counter("checksum.errors").getCount();
      }
      assertThat(errors).isZero();
      for (int i = 0; i < files; i++) {
        assertThat(readAll(fs, "/after" + i)).isEqualTo(random(5000 + i, 100 + i));
        for (LocatedBlock b : ((DfsClient) fs).metadata().getBlockLocations("/after" + i, 0, 0).getBlocksList()) {
          assertThat(b.getLocationsCount()).as("replicas of /after%d", i).isEqualTo(3);
        }
      }
    }
    DeadlockCheck.assertNoDeadlock();
  }

  private static void write(DfsFileSystem fs, String path, byte[] data) throws Exception {
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      out.write(data);
    }
  }

  private static long reused(MiniDfsCluster cluster) {
    long n = 0;
    for (int i = 0; i < cluster.nodeCount(); i++) {
      n += cluster.node(i).metrics().counter("pipeline.downstream_reused").getCount();
    }
    return n;
  }
}
