package io.dfs.tools.cli;

/**
 * A progress bar with throughput on standard error, for copies over a few MiB and only when a
 * person is watching (a terminal), so scripts and pipes get clean output.
 */
final class Progress {
  private static final long SHOW_ABOVE = 4L << 20;
  private final String label;
  private final long total;
  private final boolean enabled;
  private final long start = System.nanoTime();
  private long done;
  private long lastDraw;

  Progress(String label, long total) {
    this.label = label;
    this.total = total;
    this.enabled = total > SHOW_ABOVE && System.console() != null;
  }

  void advance(long bytes) {
    done += bytes;
    long now = System.nanoTime();
    if (enabled && now - lastDraw > 200_000_000L) {
      lastDraw = now;
      draw();
    }
  }

  void done() {
    if (enabled) {
      draw();
      System.err.println();
    }
  }

  private void draw() {
    int width = 30;
    int filled = total == 0 ? width : (int) (width * done / total);
    double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    System.err.printf("\r%s [%s%s] %3d%% %s/s", label, "#".repeat(filled), " ".repeat(width - filled),
        total == 0 ? 100 : done * 100 / total, Listing.human((long) (done / seconds)));
    System.err.flush();
  }
}
