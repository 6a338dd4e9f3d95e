package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage nodes die under the mount's writers. */
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

  @Test
  void aWriteBackThatFailsIsReportedByFsyncAndDestroysNothing() throws Exception {
    try (MountedCluster m = MountedCluster.start(dir, 3)) {
      String fsyncWrite = "python3 -c \"import os; fd = os.open('mnt/%s', os.O_CREAT | os.O_WRONLY | os.O_TRUNC);"
          + " os.write(fd, b'%s'); os.fsync(fd); os.close(fd)\"";
      MountedCluster.Result kept = m.sh(String.format(fsyncWrite, "kept", "before"));
      assertThat(kept.code()).as(kept.out()).isZero();
      for (int i = 0; i < 3; i++) {
        m.cluster.stopNode(i);
      }
      // close without fsync returns once the bytes are handed over to the write-behind
      MountedCluster.Result quiet = m.sh("echo quiet > mnt/quiet");
      assertThat(quiet.code()).as(quiet.out()).isZero();
      // nowhere to write: fsync waits for the write-back and reports its failure
      MountedCluster.Result lost = m.sh(String.format(fsyncWrite, "lost", "x".repeat(3000)));
      assertThat(lost.code()).as(lost.out()).isNotZero();
      assertThat(lost.out()).contains("Input/output error");
      // both new files whose write-back failed are gone; the file written before is intact
      assertThat(m.sh("ls mnt/lost").out()).contains("No such file or directory");
      // nobody waited for the quiet file's write-back: it fails on its own schedule, then it is gone too
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(m.sh("ls mnt/quiet").out()).contains("No such file or directory"));
      for (int i = 0; i < 3; i++) {
        m.cluster.restartNode(i);
      }
      assertThat(m.sh("cat mnt/kept").out()).isEqualTo("before");
      assertThat(m.mount.metrics().counter("fuse.writeback.errors").getCount()).isEqualTo(2);
    }
  }

  @Test
  void withoutWriteBackCloseItselfReportsTheFailure() throws Exception {
    try (MountedCluster m = MountedCluster.start(dir, 3, false)) {
      for (int i = 0; i < 3; i++) {
        m.cluster.stopNode(i);
      }
      MountedCluster.Result closed = m.sh("python3 -c \"import os; fd = os.open('mnt/f', os.O_CREAT | os.O_WRONLY);"
          + " os.write(fd, b'data'); os.close(fd)\"");
      assertThat(closed.code()).as(closed.out()).isNotZero();
      assertThat(closed.out()).contains("Input/output error");
      assertThat(m.mount.metrics().meter("fuse.writeback.files").getCount()).isZero();
    }
  }
}
