package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.deploy.local.LocalCluster;
import io.dfs.deploy.local.LocalClusterLayout;
import io.dfs.deploy.process.ManagedProcess;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dfs bench}: starts a fresh multi-process cluster (3 metadata peers, 3 storage nodes, one
 * machine), measures the machine's own disk in the same run, and reports every figure with its
 * ratio to that limit. Writes the table to docs/benchmarks.md.
 */
@Command(name = "dfs bench", mixinStandardHelpOptions = true,
    description = "Benchmark metadata ops/s, replicated write/read throughput and leader failover.")
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--size-mib", defaultValue = "1024", description = "File size for the data path (default 1024).")
  long sizeMib;

  @Option(names = "--seconds", defaultValue = "10", description = "Duration of the metadata run (default 10).")
  int seconds;

  @Option(names = "--clients", defaultValue = "8", description = "Metadata clients (default 8).")
  int clients;

  @Option(names = "--in-flight", defaultValue = "32", description = "Outstanding ops per client (default 32).")
  int inFlight;

  @Option(names = "--small-files", defaultValue = "2000",
      description = "Files in the small-file tree untarred into the mount (default 2000).")
  int smallFiles;

  @Option(names = "--base-port", defaultValue = "19800", description = "Port range of the bench cluster.")
  int basePort;

  @Option(names = "--report", defaultValue = "docs/benchmarks.md", description = "Markdown report to write.")
  Path report;

  @Option(names = "--only", split = ",", description = "Sections to run, of: data, fuse, small, metadata, hdfs, "
      + "tls, failover (default: all).")
  java.util.Set<String> only;

  private boolean runs(String section) {
    return only == null || only.isEmpty() || only.contains(section);
  }

  /** Writers (then readers) at once in the concurrent data-path measurement. */
  static final int CONCURRENT_STREAMS = 8;

  record Row(String what, String value, String limit, String ratio) {}

  @Override
  public Integer call() throws Exception {
    Path home = Files.createTempDirectory("dfs-bench");
    List<Row> rows = new ArrayList<>();
    PrintStream out = System.out;
    out.println("measuring the local disk (" + sizeMib + " MiB, dd conv=fsync) ...");
    DiskBaseline disk = DiskBaseline.measure(home.resolve("dd"), sizeMib << 20);
    rows.add(new Row("local disk write (dd, fsync)", fmt(disk.writeMiBps()) + " MiB/s", "-", "1.00"));
    rows.add(new Row("local disk read (dd" + (disk.readWasCold() ? ", cold)" : ", page cache)"),
        fmt(disk.readMiBps()) + " MiB/s", "-", "1.00"));

    LocalClusterLayout layout = new LocalClusterLayout(home, home.resolve("mnt"), basePort, 3);
    layout.writeConfigIfAbsent();
    ClusterConfig config = ClusterConfig.load(layout.configFile());
    LocalCluster cluster = new LocalCluster(layout, config, out);
    try {
      cluster.startCore();
      try (DfsClient fs = new DfsClient(config, "bench")) {
        DataThroughput.Result data = runs("data") ? dataPath(fs, disk, rows, out) : null;
        String noFuse = FuseCopyThroughput.unavailable();
        if (noFuse != null) {
          out.println("skipping the FUSE measurements: " + noFuse);
        }
        if (noFuse == null && data != null && runs("fuse")) {
          fuseCopy(config, home, data, rows, out);
        }
        if (runs("small")) {
          smallFiles(fs, config, home, noFuse == null, rows, out);
        }
        if (runs("tls")) {
          tlsCost(fs, home, rows, out);
        }
      }
      if (runs("metadata")) {
        metadata(config, rows, out);
      }
      if (runs("hdfs")) {
        versusHdfs(layout, config, home, rows, out);
      }
      if (runs("failover")) {
        out.println("leader failover ...");
        long failover = MetadataThroughput.failoverMillis(config, () -> killLeader(layout, config));
        rows.add(new Row("leader failover (kill -9 to next committed write)", failover + " ms", "-", "-"));
      }
    } finally {
      cluster.stopAll(Duration.ofSeconds(10));
    }
    print(rows, out);
    writeReport(rows);
    return 0;
  }

  private DataThroughput.Result dataPath(DfsClient fs, DiskBaseline disk, List<Row> rows, PrintStream out)
      throws Exception {
    double writeLimit = disk.writeMiBps() / 3;
    out.println("replicated write + read of " + sizeMib + " MiB (RF 3, 3 nodes on this machine) ...");
    DataThroughput.Result data = DataThroughput.run(fs, sizeMib << 20);
    rows.add(new Row("replicated write, RF 3", fmt(data.writeMiBps()) + " MiB/s",
        "disk write / 3 = " + fmt(writeLimit), fmt(data.writeMiBps() / writeLimit)));
    rows.add(new Row("read", fmt(data.readMiBps()) + " MiB/s", "local read = " + fmt(disk.readMiBps()),
        fmt(data.readMiBps() / disk.readMiBps())));
    long each = Math.max(1, sizeMib / CONCURRENT_STREAMS) << 20;
    out.println(CONCURRENT_STREAMS + " writers, then " + CONCURRENT_STREAMS + " readers, of " + (each >> 20)
        + " MiB each ...");
    DataThroughput.Result many = DataThroughput.concurrent(fs, CONCURRENT_STREAMS, each);
    rows.add(new Row(CONCURRENT_STREAMS + " concurrent writers, RF 3 (aggregate)", fmt(many.writeMiBps()) + " MiB/s",
        "disk write / 3 = " + fmt(writeLimit), fmt(many.writeMiBps() / writeLimit)));
    rows.add(new Row(CONCURRENT_STREAMS + " concurrent readers (aggregate)", fmt(many.readMiBps()) + " MiB/s",
        "local read = " + fmt(disk.readMiBps()), fmt(many.readMiBps() / disk.readMiBps())));
    double heap = DataThroughput.heapPerOpenStreamMiB(fs, 100, 1 << 20);
    rows.add(new Row("heap per open output stream (100 open, 1 MiB written each)", fmt(heap) + " MiB",
        "target <= 8 MiB", fmt(8 / Math.max(heap, 0.01))));
    return data;
  }

  private void fuseCopy(ClusterConfig config, Path home, DataThroughput.Result data, List<Row> rows, PrintStream out)
      throws Exception {
    out.println("cp of " + sizeMib + " MiB into and out of the FUSE mount ...");
    FuseCopyThroughput.Result cp = FuseCopyThroughput.run(config, home.resolve("fuse"), sizeMib << 20);
    rows.add(new Row("FUSE cp into the mount", fmt(cp.inMiBps()) + " MiB/s",
        "client write = " + fmt(data.writeMiBps()), fmt(cp.inMiBps() / data.writeMiBps())));
    rows.add(new Row("FUSE cp out of the mount", fmt(cp.outMiBps()) + " MiB/s",
        "client read = " + fmt(data.readMiBps()), fmt(cp.outMiBps() / data.readMiBps())));
  }

  private void smallFiles(DfsClient fs, ClusterConfig config, Path home, boolean fuse, List<Row> rows,
      PrintStream out) throws Exception {
    out.println("small files: create+write+close through the client, one thread ...");
    SmallFilesThroughput.Client small = SmallFilesThroughput.client(fs, 500);
    rows.add(new Row("small files create+write+close (client, 1 thread)", fmt(small.opsPerSec()) + " files/s",
        "p50 " + fmt(small.p50Ms()) + " ms, p99 " + fmt(small.p99Ms()) + " ms", "target p50 <= 3 ms"));
    rows.add(new Row("  of which create / close (of which completion), p50", fmt(small.createP50Ms()) + " / "
        + fmt(small.closeP50Ms()) + " (" + fmt(small.completeP50Ms()) + ") ms", "-", "-"));
    if (!fuse) {
      return;
    }
    out.println("small files: tar x of " + smallFiles + " files onto the local disk and into the mount ...");
    Path tar = SmallFilesThroughput.tree(home, smallFiles);
    SmallFilesThroughput.Tar untar = SmallFilesThroughput.untar(config, home, tar, smallFiles);
    rows.add(new Row("tar x of " + smallFiles + " small files into the mount (second tar; first, fresh processes: "
        + fmt(untar.firstMountFilesPerSec()) + ")", fmt(untar.mountFilesPerSec()) + " files/s",
        "local disk = " + fmt(untar.localFilesPerSec()) + " files/s",
        fmt(untar.mountFilesPerSec() / untar.localFilesPerSec()) + " (target 300 files/s)"));
    out.println("git clone of the tree's small files onto the local disk and the mount ...");
    SmallFilesThroughput.GitClone git = SmallFilesThroughput.gitClone(config, home);
    rows.add(new Row("git clone --no-local of the tree's files < 64 KiB onto the mount",
        fmt(git.mountSeconds()) + " s", "local disk = " + fmt(git.localSeconds()) + " s",
        fmt(git.localSeconds() / git.mountSeconds())));
    rows.add(new Row("then git status / git fsck --strict on the mount",
        fmt(git.statusSeconds()) + " s / " + fmt(git.fsckSeconds()) + " s", "-", "-"));
    out.println("ls -l of a 10,000-entry directory through the mount ...");
    ListingThroughput.Ls ls = ListingThroughput.lsMillis(config, home, 10_000);
    rows.add(new Row("ls -l of a 10,000-entry directory (mount just started; again)", ls.firstMs() + " ms; "
        + ls.againMs() + " ms", "target < 1,000 ms", fmt(1000.0 / ls.firstMs()) + "; " + fmt(1000.0 / ls.againMs())));
  }

  private void tlsCost(DfsClient fs, Path home, List<Row> rows, PrintStream out) throws Exception {
    out.println("what TLS costs: write + network read of " + sizeMib + " MiB with TLS, then on a cluster in the clear ...");
    TlsCost.Result r = TlsCost.measure(fs, home, basePort + 100, sizeMib << 20, out);
    rows.add(new Row("replicated write RF 3, mutual TLS", fmt(r.tls().writeMiBps()) + " MiB/s",
        "in the clear = " + fmt(r.clear().writeMiBps()), fmt(r.tls().writeMiBps() / r.clear().writeMiBps())));
    rows.add(new Row("read over the network (no short-circuit), mutual TLS", fmt(r.tls().readMiBps()) + " MiB/s",
        "in the clear = " + fmt(r.clear().readMiBps()), fmt(r.tls().readMiBps() / r.clear().readMiBps())));
  }

  private void metadata(ClusterConfig config, List<Row> rows, PrintStream out) throws Exception {
    out.println("metadata create+complete, " + clients + " clients x " + inFlight + " in flight, " + seconds + " s ...");
    double ops = MetadataThroughput.run(config, clients, inFlight, Duration.ofSeconds(seconds));
    rows.add(new Row("metadata create+complete", fmt(ops) + " ops/s", "target 2,000 (goal 10,000)",
        fmt(ops / 2000)));
    out.println("metadata mix (mkdir, create+close, rename, stat), " + clients + " clients, blocking, "
        + seconds + " s ...");
    double mix = MetadataMix.opsPerSecond(config, clients, Duration.ofSeconds(seconds));
    rows.add(new Row("metadata mix, " + clients + " blocking clients (mkdir, create+close, rename, stat)",
        fmt(mix) + " ops/s", "target 10,000", fmt(mix / 10_000)));
  }

  /** The same Hadoop FileSystem code against an HDFS MiniDFSCluster and against this cluster (dfs://). */
  private void versusHdfs(LocalClusterLayout layout, ClusterConfig config, Path home, List<Row> rows, PrintStream out)
      throws Exception {
    out.println("starting an HDFS MiniDFSCluster (3 DataNodes, RF 3) on the same disk ...");
    org.apache.hadoop.conf.Configuration ours = new org.apache.hadoop.conf.Configuration();
    ours.set("fs.dfs.bench.conf", layout.configFile().toString());
    HdfsComparison.Settings settings = new HdfsComparison.Settings(sizeMib << 20, smallFiles, clients,
        Duration.ofSeconds(seconds), 10_000);
    java.net.URI dfs = java.net.URI.create("dfs://bench/");
    List<HdfsComparison.Row> compared = new ArrayList<>();
    try (HdfsComparison hdfs = HdfsComparison.start(home.resolve("hdfs"), config.blockSize(), false)) {
      compared.addAll(hdfs.run(dfs, ours, settings, out));
    }
    out.println("again with HDFS as durable as ours (dfs.datanode.synconclose=true) ...");
    try (HdfsComparison durable = HdfsComparison.start(home.resolve("hdfs-sync"), config.blockSize(), true)) {
      compared.addAll(durable.dataRows(dfs, ours, settings, " (HDFS synconclose)", out));
    }
    for (HdfsComparison.Row r : compared) {
      rows.add(new Row("vs HDFS: " + r.what(), fmt(r.ours()) + " " + r.unit(), "HDFS = " + fmt(r.hdfs()) + " "
          + r.unit(), fmt(r.ratio()) + " (goal >= 1.0)"));
    }
  }

  private static void killLeader(LocalClusterLayout layout, ClusterConfig config) {
    try (MetadataClient c = MetadataClient.connect(config, "bench-leader")) {
      String leader = c.clusterStatus().getLeaderId();
      layout.metadataPeers().stream().filter(p -> p.name().equals(leader)).forEach(ManagedProcess::kill);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void print(List<Row> rows, PrintStream out) {
    out.println();
    for (Row r : rows) {
      out.printf("%-50s %18s   %-30s %s%n", r.what(), r.value(), r.limit(), r.ratio());
    }
  }

  private void writeReport(List<Row> rows) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n")
        .append("Measured by `deploy/bin/dfs bench` on ").append(LocalDate.now())
        .append(": one machine (").append(Runtime.getRuntime().availableProcessors())
        .append(" cores), 3 metadata peers and 3 storage nodes as separate processes on loopback, ")
        .append(sizeMib).append(" MiB file. Ratios are against this machine's own disk, measured in the same run.\n\n")
        .append("| measure | value | limit | ratio |\n|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.what()).append(" | ").append(r.value()).append(" | ").append(r.limit())
          .append(" | ").append(r.ratio()).append(" |\n");
    }
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Files.writeString(report, md.toString());
    System.out.println("\nwrote " + report);
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format("%,.0f", v) : String.format("%.2f", v);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }
}
