package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A storage node dies while cp writes through the mount; cp still succeeds with every byte. */
class FuseFaultTest {
  @TempDir Path dir;

  @Test
  void cpSurvivesAStorageNodeDying() throws Exception {
    try (MountedCluster m = MountedCluster.start(dir, 4)) {
      MountedCluster.run(dir, "head -c 40000000 /dev/urandom > big.bin");
      CompletableFuture<MountedCluster.Result> cp =
          CompletableFuture.supplyAsync(() -> m.sh("cp big.bin mnt/big.bin"));
      // wait until the copy is under way, then kill a node that holds part of it
      long deadline = System.currentTimeMillis() + 60_000;
      while (m.cluster.node(0).store().blockCount() == 0 && !cp.isDone() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      m.cluster.stopNode(0);
      MountedCluster.Result r = cp.get();
      assertThat(r.code()).as(r.out()).isZero();
      MountedCluster.Result cmp = m.sh("cmp big.bin mnt/big.bin");
      assertThat(cmp.code()).as(cmp.out()).isZero();
    }
  }
}
