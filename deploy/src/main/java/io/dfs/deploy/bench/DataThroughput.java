package io.dfs.deploy.bench;

import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

/** Sequential write then read of one file through the client, with RF 3. */
final class DataThroughput {
  private DataThroughput() {}

  record Result(double writeMiBps, double readMiBps) {}

  static Result run(DfsClient fs, long bytes) throws Exception {
    byte[] buf = new byte[1 << 20];
    new Random(1).nextBytes(buf);
    String path = "/bench-data-" + System.nanoTime();
    long start = System.nanoTime();
    try (OutputStream out = fs.create(path, CreateOptions.defaults().withReplication(3))) {
      for (long left = bytes; left > 0; left -= buf.length) {
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    double write = mib(bytes) / seconds(start);
    // warm the read path up, then read cold, as the dd baseline does
    try (InputStream in = fs.open(path)) {
      in.readNBytes(buf, 0, buf.length);
    }
    DiskBaseline.dropPageCache();
    start = System.nanoTime();
    long read = 0;
    try (InputStream in = fs.open(path)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        read += n;
      }
    }
    if (read != bytes) {
      throw new IllegalStateException("read back " + read + " of " + bytes + " bytes");
    }
    double readRate = mib(bytes) / seconds(start);
    fs.delete(path, false);
    return new Result(write, readRate);
  }

  static double mib(long bytes) {
    return bytes / (double) (1 << 20);
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
