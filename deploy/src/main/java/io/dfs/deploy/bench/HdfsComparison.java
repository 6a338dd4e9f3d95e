package io.dfs.deploy.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * HDFS side by side: an HDFS {@link MiniDFSCluster} (one NameNode, 3 DataNodes, RF 3, its default
 * settings) on the same machine and disk, and the same {@link HadoopWorkloads} run against it and
 * against our cluster through {@code dfs://}. HDFS's defaults do not fsync a block when it is
 * closed (ours always does) and its NameNode is not replicated (ours is a Raft group of three).
 */
final class HdfsComparison implements AutoCloseable {
  record Settings(long bytes, int smallFiles, int clients, Duration mixDuration, int listEntries) {}

  /** ours / HDFS for throughputs; HDFS / ours for times, so above 1 always means we are faster. */
  record Row(String what, double ours, double hdfs, String unit, boolean lowerIsBetter) {
    double ratio() {
      return lowerIsBetter ? hdfs / ours : ours / hdfs;
    }
  }

  private final MiniDFSCluster hdfs;

  private HdfsComparison(MiniDFSCluster hdfs) {
    this.hdfs = hdfs;
  }

  /**
   * {@code syncOnClose}: HDFS's DataNodes fsync each block when it is closed
   * ({@code dfs.datanode.synconclose}), as ours always do; HDFS's default is not to.
   */
  static HdfsComparison start(Path dir, long blockSize, boolean syncOnClose) throws IOException {
    // HDFS logs every block and every file at INFO; printing that would slow HDFS, not measure it
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.hadoop", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.BlockStateChange", "warn");
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.toAbsolutePath().toString());
    conf.setInt("dfs.replication", 3);
    conf.setLong("dfs.blocksize", blockSize);
    conf.setBoolean("dfs.datanode.synconclose", syncOnClose);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(3).build();
    cluster.waitActive();
    return new HdfsComparison(cluster);
  }

  /** Every workload; HDFS as configured at start. */
  List<Row> run(URI ours, Configuration oursConf, Settings s, java.io.PrintStream log) throws Exception {
    String root = "/bench-vs-hdfs-" + System.nanoTime();
    HadoopWorkloads us = new HadoopWorkloads(ours, oursConf, root);
    HadoopWorkloads them = new HadoopWorkloads(hdfs.getURI(), hdfs.getConfiguration(0), root);
    log.println("vs HDFS: warming both up ...");
    warmUp(us, them, s);
    List<Row> rows = new ArrayList<>(dataRows(us, them, s, "", log));

    log.println("vs HDFS: metadata mix (mkdir, create, rename, stat, delete), " + s.clients() + " clients ...");
    rows.add(new Row("metadata mix, " + s.clients() + " clients (mkdir, create, rename, stat, delete)",
        us.metadataMix(s.clients(), s.mixDuration()), them.metadataMix(s.clients(), s.mixDuration()), "ops/s",
        false));

    log.println("vs HDFS: listing a " + s.listEntries() + "-entry directory ...");
    rows.add(new Row("list a " + s.listEntries() + "-entry directory", us.listMillis(s.listEntries(), s.clients()),
        them.listMillis(s.listEntries(), s.clients()), "ms", true));
    return rows;
  }

  /** The workloads the disk decides (writes, small files), their names marked with {@code label}. */
  List<Row> dataRows(URI ours, Configuration oursConf, Settings s, String label, java.io.PrintStream log)
      throws Exception {
    String root = "/bench-vs-hdfs-" + System.nanoTime();
    HadoopWorkloads us = new HadoopWorkloads(ours, oursConf, root);
    HadoopWorkloads them = new HadoopWorkloads(hdfs.getURI(), hdfs.getConfiguration(0), root);
    log.println("vs HDFS" + label + ": warming both up ...");
    warmUp(us, them, s);
    return dataRows(us, them, s, label, log);
  }

  private static void warmUp(HadoopWorkloads us, HadoopWorkloads them, Settings s) throws Exception {
    for (HadoopWorkloads w : List.of(us, them)) {
      w.warmUp(s.bytes(), s.smallFiles(), s.clients(), s.mixDuration());
    }
  }

  private static List<Row> dataRows(HadoopWorkloads us, HadoopWorkloads them, Settings s, String label,
      java.io.PrintStream log) throws Exception {
    List<Row> rows = new ArrayList<>();
    log.println("vs HDFS" + label + ": write and read " + (s.bytes() >> 20) + " MiB, RF 3 ...");
    HadoopWorkloads.Throughput a = us.sequential(s.bytes());
    HadoopWorkloads.Throughput b = them.sequential(s.bytes());
    rows.add(new Row("write " + (s.bytes() >> 20) + " MiB, RF 3, one stream" + label, a.writeMiBps(), b.writeMiBps(),
        "MiB/s", false));
    rows.add(new Row("read it back, one stream" + label, a.readMiBps(), b.readMiBps(), "MiB/s", false));

    log.println("vs HDFS" + label + ": small files (4 KiB) from 1 client and from " + s.clients() + " ...");
    int one = Math.max(1, s.smallFiles() / 4);
    rows.add(new Row("small files create+write+close, 1 client" + label, us.smallFiles(1, one, 4096),
        them.smallFiles(1, one, 4096), "files/s", false));
    rows.add(new Row("small files create+write+close, " + s.clients() + " clients" + label,
        us.smallFiles(s.clients(), s.smallFiles(), 4096), them.smallFiles(s.clients(), s.smallFiles(), 4096),
        "files/s", false));
    return rows;
  }

  @Override
  public void close() {
    hdfs.shutdown(true);
  }
}
