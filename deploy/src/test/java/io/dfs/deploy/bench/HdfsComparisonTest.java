package io.dfs.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.testing.DeadlockCheck;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench's HDFS comparison works end to end on tiny sizes: both file systems run every
 * workload and every row has a figure for each (the figures themselves are the benchmark's job).
 */
class HdfsComparisonTest {
  @Test
  void everyWorkloadRunsAgainstBothFileSystems(@TempDir Path dir) throws Exception {
    try (MiniDfsCluster ours = MiniDfsCluster.start(dir.resolve("ours"), 3)) {
      Path conf = dir.resolve("cluster.properties");
      try (Writer w = Files.newBufferedWriter(conf)) {
        ours.config().properties().store(w, null);
      }
      Configuration hadoop = new Configuration();
      hadoop.set("fs.dfs.bench.conf", conf.toString());
      HdfsComparison.Settings tiny = new HdfsComparison.Settings(4 << 20, 40, 2, Duration.ofSeconds(1), 50);
      List<HdfsComparison.Row> rows;
      try (HdfsComparison hdfs = HdfsComparison.start(dir.resolve("hdfs"), ours.config().blockSize(), true)) {
        rows = hdfs.run(URI.create("dfs://bench/"), hadoop, tiny, new PrintStream(java.io.OutputStream.nullOutputStream()));
      } finally {
        org.apache.hadoop.fs.FileSystem.closeAll();
      }
      assertThat(rows).extracting(HdfsComparison.Row::what).containsExactly(
          "write 4 MiB, RF 3, one stream", "read it back, one stream", "small files create+write+close, 1 client",
          "small files create+write+close, 2 clients", "metadata mix, 2 clients (mkdir, create, rename, stat, delete)",
          "list a 50-entry directory");
      for (HdfsComparison.Row r : rows) {
        assertThat(r.ours()).as("ours: %s", r.what()).isPositive();
        assertThat(r.hdfs()).as("HDFS: %s", r.what()).isPositive();
      }
      DeadlockCheck.assertNoDeadlock();
    }
  }
}
