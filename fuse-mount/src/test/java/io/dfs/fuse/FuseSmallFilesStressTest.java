package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.fs.DfsFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What deadlocked the metadata leader before: tar x of a tree of many small files into a real
 * mount while storage nodes report blocks, here with leadership moved between the three peers
 * during the run. Everything must arrive intact, fsck must be clean and no JVM thread deadlocked
 * (checked when the cluster closes).
 */
class FuseSmallFilesStressTest {
  private static final int FILES = 600;
  @TempDir Path dir;

  @Test
  void untarOfManySmallFilesWithLeaderChangesArrivesIntact() throws Exception {
    Path tree = dir.resolve("src/tree");
    generateTree(tree, FILES, 42);
    MountedCluster.run(dir, "tar -C src -cf tree.tar tree");
    try (MountedCluster m = MountedCluster.start(dir, 3)) {
      AtomicBoolean untarring = new AtomicBoolean(true);
      AtomicInteger moves = new AtomicInteger();
      ExecutorService mover = Executors.newSingleThreadExecutor();
      Future<?> leadership = mover.submit(() -> {
        while (untarring.get()) {
          Thread.sleep(2000);
          String leader = m.cluster.metadata().leaderId();
          try {
            m.cluster.metadata().transferLeadership("m" + (1 + Integer.parseInt(leader.substring(1)) % 3));
          } catch (TransferLeadershipException electedAnother) {
            // an election chose a third peer: leadership still moved
          }
          if (!m.cluster.metadata().leaderId().equals(leader)) {
            moves.incrementAndGet();
          }
        }
        return null;
      });
      MountedCluster.Result untar;
      try {
        untar = m.sh("mkdir -p mnt/in && tar -C mnt/in -xf tree.tar");
      } finally {
        untarring.set(false);
        leadership.get(2, TimeUnit.MINUTES);
        mover.shutdown();
      }
      assertThat(untar.code()).as(untar.out()).isZero();
      assertThat(moves.get()).as("leadership moved while tar ran").isGreaterThanOrEqualTo(1);
      MountedCluster.Result diff = m.sh("diff -r src/tree mnt/in/tree");
      assertThat(diff.code()).as(diff.out()).isZero();
      MountedCluster.Result back = m.sh("cp -r mnt/in/tree copied && diff -r src/tree copied");
      assertThat(back.code()).as(back.out()).isZero();
      DfsFileSystem fs = m.cluster.newFileSystem("fsck");
      assertThat(fs.fsck("/").getFiles()).isEqualTo(FILES);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertThat(fs.fsck("/").getProblemsList()).isEmpty());
    }
  }

  /** A deterministic tree: 70% of files under 4 KiB, the rest up to 256 KiB, in nested directories. */
  static void generateTree(Path root, int files, long seed) throws Exception {
    Random random = new Random(seed);
    for (int i = 0; i < files; i++) {
      Path d = root.resolve("d" + (i % 12)).resolve("s" + (i % 5));
      Files.createDirectories(d);
      int size = random.nextInt(10) < 7 ? random.nextInt(4096) : 4096 + random.nextInt(252 * 1024);
      byte[] data = new byte[size];
      random.nextBytes(data);
      Files.write(d.resolve("f" + i + ".bin"), data);
    }
  }
}
