package io.dfs.deploy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's own limits, measured in the same run as a benchmark so every figure can be given
 * as a ratio: sequential write of {@code bytes} with {@code dd conv=fsync} and a sequential read of
 * the same file with the page cache dropped where we may (root), else a cached read.
 */
public record DiskBaseline(double writeMiBps, double readMiBps, boolean readWasCold) {

  private static final Pattern DD_RATE = Pattern.compile("copied, ([0-9.]+) s");

  public static DiskBaseline measure(Path dir, long bytes) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path file = dir.resolve("dd-baseline.bin");
    long mib = Math.max(1, bytes >> 20);
    try {
      double writeSeconds = dd(List.of("dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=" + mib, "conv=fsync"));
      boolean cold = dropPageCache();
      double readSeconds = dd(List.of("dd", "if=" + file, "of=/dev/null", "bs=1M"));
      return new DiskBaseline(mib / writeSeconds, mib / readSeconds, cold);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Runs dd and returns the seconds it reports for the copy. */
  private static double dd(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    Matcher m = DD_RATE.matcher(output);
    if (!m.find()) {
      throw new IOException("cannot read dd's timing from: " + output);
    }
    return Double.parseDouble(m.group(1));
  }

  /** Cold reads where the OS lets us drop the page cache; false means the read figure is cached. */
  static boolean dropPageCache() {
    try {
      new ProcessBuilder("sync").start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
