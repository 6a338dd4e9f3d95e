package io.dfs.deploy.bench;

import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Sequential writes and reads through the client, with RF 3: one stream, many at once, and the heap a stream holds. */
final class DataThroughput {
  private DataThroughput() {}

  record Result(double writeMiBps, double readMiBps) {}

  /** One file written then read cold. */
  static Result run(DfsClient fs, long bytes) throws Exception {
    String path = "/bench-data-" + System.nanoTime();
    long start = System.nanoTime();
    write(fs, path, bytes);
    double write = mib(bytes) / seconds(start);
    // warm the read path up, then read cold, as the dd baseline does
    try (InputStream in = fs.open(path)) {
      in.readNBytes(new byte[1 << 20], 0, 1 << 20);
    }
    DiskBaseline.dropPageCache();
    start = System.nanoTime();
    read(fs, path, bytes);
    double readRate = mib(bytes) / seconds(start);
    fs.delete(path, false);
    return new Result(write, readRate);
  }

  /** {@code streams} writers at once, each its own file, then as many cold readers: aggregate rates. */
  static Result concurrent(DfsClient fs, int streams, long bytesEach) throws Exception {
    String dir = "/bench-concurrent-" + System.nanoTime();
    fs.mkdirs(dir);
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      long start = System.nanoTime();
      everyStream(pool, streams, i -> write(fs, dir + "/" + i, bytesEach));
      double write = mib(bytesEach * streams) / seconds(start);
      DiskBaseline.dropPageCache();
      start = System.nanoTime();
      everyStream(pool, streams, i -> read(fs, dir + "/" + i, bytesEach));
      double read = mib(bytesEach * streams) / seconds(start);
      fs.delete(dir, true);
      return new Result(write, read);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Heap held per open output stream: {@code streams} files open at once with {@code bytesEach}
   * written to each (past a packet, so each has sent data and buffers more), measured after GC
   * against the heap before they were opened.
   */
  static double heapPerOpenStreamMiB(DfsClient fs, int streams, int bytesEach) throws Exception {
    String dir = "/bench-open-" + System.nanoTime();
    fs.mkdirs(dir);
    byte[] data = new byte[bytesEach];
    new Random(3).nextBytes(data);
    long before = heapAfterGc();
    List<OutputStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < streams; i++) {
        OutputStream out = fs.create(dir + "/" + i, CreateOptions.defaults().withReplication(3));
        open.add(out);
        out.write(data);
      }
      return mib(heapAfterGc() - before) / streams;
    } finally {
      for (OutputStream out : open) {
        out.close();
      }
      fs.delete(dir, true);
    }
  }

  @FunctionalInterface
  private interface PerStream {
    void run(int i) throws Exception;
  }

  private static void everyStream(ExecutorService pool, int streams, PerStream task) throws Exception {
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      int id = i;
      done.add(pool.submit(() -> {
        task.run(id);
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  private static void write(DfsClient fs, String path, long bytes) throws Exception {
    byte[] buf = new byte[1 << 20];
    new Random(path.hashCode()).nextBytes(buf);
    try (OutputStream out = fs.create(path, CreateOptions.defaults().withReplication(3))) {
      for (long left = bytes; left > 0; left -= buf.length) {
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
  }

  private static void read(DfsClient fs, String path, long bytes) throws Exception {
    byte[] buf = new byte[1 << 20];
    long read = 0;
    try (InputStream in = fs.open(path)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        read += n;
      }
    }
    if (read != bytes) {
      throw new IllegalStateException("read back " + read + " of " + bytes + " bytes of " + path);
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  static double mib(long bytes) {
    return bytes / (double) (1 << 20);
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
