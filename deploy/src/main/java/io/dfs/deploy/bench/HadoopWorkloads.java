package io.dfs.deploy.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The workloads of the HDFS comparison, written once against Hadoop's {@link FileSystem} so both
 * file systems run exactly the same code. Each concurrent client is a file system instance of its
 * own (its own connections), as separate applications would be.
 */
final class HadoopWorkloads {
  private static final int BUFFER = 1 << 20;

  private final URI uri;
  private final Configuration conf;
  private final Path root;

  HadoopWorkloads(URI uri, Configuration conf, String root) {
    this.uri = uri;
    this.conf = conf;
    this.root = new Path(root);
  }

  record Throughput(double writeMiBps, double readMiBps) {}

  /**
   * Runs every workload briefly, unmeasured, under a root of its own: the JIT compiles the client's
   * (and, for the in-process HDFS, the servers') hot paths before anything is timed, so neither
   * file system pays its warm-up inside a figure.
   */
  void warmUp(long bytes, int files, int clients, Duration mix) throws Exception {
    HadoopWorkloads scratch = new HadoopWorkloads(uri, conf, root + "-warm-up");
    scratch.sequential(Math.min(bytes, 64L << 20));
    scratch.smallFiles(1, Math.min(files, 200), 4096);
    scratch.smallFiles(clients, Math.min(files, 400), 4096);
    scratch.metadataMix(clients, mix.compareTo(Duration.ofSeconds(3)) < 0 ? mix : Duration.ofSeconds(3));
    try (FileSystem fs = FileSystem.newInstance(uri, conf)) {
      fs.delete(scratch.root, true);
    }
  }

  /** One stream writes {@code bytes} at the file system's default replication, then one reads them. */
  Throughput sequential(long bytes) throws IOException {
    try (FileSystem fs = FileSystem.newInstance(uri, conf)) {
      Path p = new Path(root, "big");
      byte[] buf = new byte[BUFFER];
      new java.util.Random(1).nextBytes(buf);
      long start = System.nanoTime();
      try (FSDataOutputStream out = fs.create(p, true)) {
        for (long left = bytes; left > 0; left -= buf.length) {
          out.write(buf, 0, (int) Math.min(buf.length, left));
        }
      }
      double write = mibPerSec(bytes, System.nanoTime() - start);
      start = System.nanoTime();
      long read = 0;
      try (FSDataInputStream in = fs.open(p)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          read += n;
        }
      }
      double readRate = mibPerSec(read, System.nanoTime() - start);
      if (read != bytes) {
        throw new IOException("read " + read + " of " + bytes + " bytes from " + uri);
      }
      fs.delete(p, false);
      return new Throughput(write, readRate);
    }
  }

  /** create + write {@code size} bytes + close of {@code files} files by {@code clients} clients: files/s. */
  double smallFiles(int clients, int files, int size) throws Exception {
    Path dir = new Path(root, "small-" + clients);
    byte[] data = new byte[size];
    return inParallel(clients, (fs, c) -> {
      Path mine = new Path(dir, "c" + c);
      fs.mkdirs(mine);
      long start = System.nanoTime();
      int n = files / clients;
      for (int i = 0; i < n; i++) {
        try (FSDataOutputStream out = fs.create(new Path(mine, "f" + i), false)) {
          out.write(data);
        }
      }
      return new long[] {n, System.nanoTime() - start};
    });
  }

  /**
   * {@code clients} clients loop over mkdir, create+close of an empty file, rename, stat and delete
   * for {@code duration}: namespace operations/s.
   */
  double metadataMix(int clients, Duration duration) throws Exception {
    Path dir = new Path(root, "mix");
    long deadline = System.nanoTime() + duration.toNanos();
    return inParallel(clients, (fs, c) -> {
      Path mine = new Path(dir, "c" + c);
      fs.mkdirs(mine);
      long start = System.nanoTime();
      long ops = 0;
      for (long i = 0; System.nanoTime() < deadline; i++) {
        Path d = new Path(mine, "d" + i);
        fs.mkdirs(d);
        fs.create(new Path(d, "f"), false).close();
        fs.rename(new Path(d, "f"), new Path(d, "g"));
        fs.getFileStatus(new Path(d, "g"));
        fs.delete(d, true);
        ops += 5;
      }
      return new long[] {ops, System.nanoTime() - start};
    });
  }

  /** Milliseconds to list a directory of {@code entries} empty files (best of three). */
  double listMillis(int entries, int clients) throws Exception {
    Path dir = new Path(root, "listing");
    inParallel(clients, (fs, c) -> {
      for (int i = c; i < entries; i += clients) {
        fs.create(new Path(dir, String.format("f%06d", i)), false).close();
      }
      return new long[] {0, 1};
    });
    try (FileSystem fs = FileSystem.newInstance(uri, conf)) {
      double best = Double.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long start = System.nanoTime();
        int n = fs.listStatus(dir).length;
        best = Math.min(best, (System.nanoTime() - start) / 1e6);
        if (n != entries) {
          throw new IOException("listed " + n + " of " + entries + " entries on " + uri);
        }
      }
      return best;
    }
  }

  interface ClientLoop {
    /** Returns {operations, nanoseconds}. */
    long[] run(FileSystem fs, int client) throws Exception;
  }

  /** Sum of operations over the slowest client's time. */
  private double inParallel(int clients, ClientLoop loop) throws Exception {
    List<FileSystem> fss = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      for (int c = 0; c < clients; c++) {
        fss.add(FileSystem.newInstance(uri, conf));
      }
      List<Future<long[]>> results = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        FileSystem fs = fss.get(c);
        int client = c;
        results.add(pool.submit(() -> loop.run(fs, client)));
      }
      long ops = 0;
      long slowest = 1;
      for (Future<long[]> f : results) {
        long[] r = f.get();
        ops += r[0];
        slowest = Math.max(slowest, r[1]);
      }
      return ops / (slowest / 1e9);
    } finally {
      pool.shutdownNow();
      for (FileSystem fs : fss) {
        fs.close();
      }
    }
  }

  private static double mibPerSec(long bytes, long nanos) {
    return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
  }
}
