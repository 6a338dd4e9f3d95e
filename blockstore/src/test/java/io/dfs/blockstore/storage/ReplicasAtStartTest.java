package io.dfs.blockstore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a storage node finds on its disks when it starts again after being killed. */
class ReplicasAtStartTest {
  @TempDir Path dir;

  @Test
  void aNodeKilledBeforeAReplicasChecksumHeaderReachedItsFileStartsAndDropsTheReplica() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 1)) {
      Path tmp = cluster.node(0).store().dataDirs().get(0).resolve(ReplicaFiles.TMP);
      cluster.stopNode(0);
      // kill -9 between creating a replica's two files and writing the checksum file's header
      Path data = Files.write(tmp.resolve(ReplicaFiles.dataName(777, 5)), new byte[] {1, 2, 3});
      Path meta = Files.write(tmp.resolve(ReplicaFiles.metaName(777, 5)), new byte[] {0, 0});
      cluster.restartNode(0);
      cluster.awaitLiveNodes(1);
      assertThat(data).doesNotExist();
      assertThat(meta).doesNotExist();
    }
  }
}
