package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.fuse.MountCommand;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Small files, as real workloads make them: a deterministic tree (70% of files under 4 KiB, the
 * rest up to 1 MiB, in nested directories) untarred onto the local disk and into the FUSE mount,
 * and single-client create+write+close through the Java client with its latency.
 */
final class SmallFilesThroughput {
  private SmallFilesThroughput() {}

  /** Files/s onto the local disk, and into the mount: the first tar (every process fresh), then a second. */
  record Tar(double localFilesPerSec, double firstMountFilesPerSec, double mountFilesPerSec) {}

  /**
   * Rate and latency of create+write+close, and the medians of its steps: the create, the close
   * (the pipeline round trip and the completion) and, within it, the completion.
   */
  record Client(double opsPerSec, double p50Ms, double p99Ms, double createP50Ms, double closeP50Ms,
      double completeP50Ms) {}

  /** Writes the tree and returns the tar of it. */
  static Path tree(Path work, int files) throws Exception {
    Random random = new Random(7);
    Path root = work.resolve("small-src/tree");
    for (int i = 0; i < files; i++) {
      Path dir = Files.createDirectories(root.resolve("a" + i % 8).resolve("b" + i % 16));
      int size = random.nextInt(100) < 70 ? random.nextInt(4096) : 4096 + random.nextInt((1 << 20) - 4096);
      byte[] data = new byte[size];
      random.nextBytes(data);
      Files.write(dir.resolve("file" + i), data);
    }
    Path tar = work.resolve("small-tree.tar");
    sh("tar -C " + root.getParent() + " -cf " + tar + " tree");
    return tar;
  }

  /**
   * tar x onto the local disk (synced) and twice into a mount of the cluster, each checked with
   * diff. The first runs in processes that just started (their code not yet compiled: about half
   * the speed); the second is what a mount in use does.
   */
  static Tar untar(ClusterConfig config, Path work, Path tar, int files) throws Exception {
    Path local = Files.createDirectories(work.resolve("small-local"));
    long start = System.nanoTime();
    sh("tar -C " + local + " -xf " + tar + " && sync");
    double localRate = files / DataThroughput.seconds(start);
    Path mnt = Files.createDirectories(work.resolve("small-mnt"));
    try (MountCommand mount = MountCommand.mount(config, mnt)) {
      double[] rates = new double[2];
      for (int run = 0; run < rates.length; run++) {
        Path into = mnt.resolve("in" + run);
        sh("mkdir -p " + into);
        start = System.nanoTime();
        sh("tar -C " + into + " -xf " + tar);
        rates[run] = files / DataThroughput.seconds(start);
        sh("diff -rq " + local.resolve("tree") + " " + into.resolve("tree"));
      }
      return new Tar(localRate, rates[0], rates[1]);
    }
  }

  /**
   * One thread creating, writing (sizes as in the tree) and closing files through the client. The
   * create (one Raft entry with the first block's placement) and the close (the pipeline round
   * trip, then the completion's Raft entry) are timed apart; the completion alone comes from the
   * client's own {@code client.complete} timer.
   */
  static Client client(DfsClient fs, int files) throws Exception {
    Random random = new Random(8);
    fs.mkdirs("/bench-small");
    long[] latencies = new long[files];
    long[] creates = new long[files];
    long[] closes = new long[files];
    long start = System.nanoTime();
    for (int i = 0; i < files; i++) {
      byte[] data = new byte[random.nextInt(100) < 70 ? random.nextInt(4096) : 4096 + random.nextInt(60_000)];
      random.nextBytes(data);
      long t = System.nanoTime();
      long created;
      try (OutputStream out = fs.create("/bench-small/f" + i, CreateOptions.defaults())) {
        created = System.nanoTime();
        out.write(data);
      }
      long closed = System.nanoTime();
      creates[i] = created - t;
      closes[i] = closed - created;
      latencies[i] = closed - t;
    }
    double rate = files / DataThroughput.seconds(start);
    double completeMs = fs.metadata().metrics().timer("client.complete").getSnapshot().getMedian() / 1e6;
    return new Client(rate, percentile(latencies, 50), percentile(latencies, 99), percentile(creates, 50),
        percentile(closes, 50), completeMs);
  }

  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length * p / 100] / 1e6;
  }

  record GitClone(double localSeconds, double mountSeconds, double statusSeconds, double fsckSeconds) {}

  /**
   * {@code git clone --no-local} (the pack protocol, as from a server) of a repository holding the
   * tree's files under 64 KiB (source-code sizes), onto the local disk and onto the mount; then
   * {@code git status} and {@code git fsck} on the mount's clone.
   */
  static GitClone gitClone(ClusterConfig config, Path work) throws Exception {
    Path source = work.resolve("git-src");
    Files.createDirectories(source);
    sh("cd " + source + " && git init -q && git config user.email bench@dfs && git config user.name bench"
        + " && (cd " + work.resolve("small-src") + " && find tree -type f -size -64k -print0 | tar --null -cf - -T -)"
        + " | tar -xf - && git add -A && git commit -qm tree"
        + " && git clone -q --bare . " + work.resolve("git-bare.git"));
    Path bare = work.resolve("git-bare.git");
    long start = System.nanoTime();
    sh("git clone -q --no-local " + bare + " " + work.resolve("git-local") + " && sync");
    double local = DataThroughput.seconds(start);
    Path mnt = Files.createDirectories(work.resolve("git-mnt"));
    try (MountCommand mount = MountCommand.mount(config, mnt)) {
      start = System.nanoTime();
      sh("git clone -q --no-local " + bare + " " + mnt.resolve("clone"));
      double onMount = DataThroughput.seconds(start);
      start = System.nanoTime();
      sh("cd " + mnt.resolve("clone") + " && test -z \"$(git status --porcelain)\"");
      double status = DataThroughput.seconds(start);
      start = System.nanoTime();
      sh("cd " + mnt.resolve("clone") + " && git fsck --strict --no-progress");
      double fsck = DataThroughput.seconds(start);
      return new GitClone(local, onMount, status, fsck);
    }
  }

  private static void sh(String command) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", command).inheritIO().start();
    if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("failed: " + command);
    }
  }
}
