package io.dfs.fuse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which directories are being scanned: {@code ls -l}, {@code find}, {@code du} and {@code rsync}
 * stat every entry right after listing the directory. The listing's attributes are cached, but in
 * a large directory the first ones expire ({@link AttributeCache#TTL_NANOS}) before the stats reach
 * the last; each would then cost a round trip, which slows the scan further, so more expire (an
 * {@code ls -l} of 10,000 entries took 0.7 s when it stayed ahead of the expiry and 2-2.7 s when it
 * fell behind). Within {@link #WINDOW_NANOS} of a listing of a directory, a miss there reads the
 * listing on from the missed name instead: one page answers the next {@link #PAGE} stats.
 */
final class ListingReadAhead {
  /** How long after its listing (or its last read-ahead) a directory counts as being scanned. */
  static final long WINDOW_NANOS = 10_000_000_000L;
  /** Entries one read-ahead lists. */
  static final int PAGE = 512;
  private static final int MAX_DIRECTORIES = 1024;

  private final Map<String, Long> scannedAt = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  ListingReadAhead(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** The directory was listed, or read ahead in: stats of its entries are likely to follow. */
  void scanning(String dir) {
    if (scannedAt.size() >= MAX_DIRECTORIES) {
      scannedAt.clear(); // a crude bound is enough: this only chooses how to ask
    }
    scannedAt.put(dir, nanoTime.getAsLong());
  }

  boolean isScanning(String dir) {
    Long at = scannedAt.get(dir);
    return at != null && nanoTime.getAsLong() - at < WINDOW_NANOS;
  }

  /**
   * The {@code startAfter} of a listing page that begins at {@code name}, or at most a few entries
   * before it: the name one less in its last character and then as large as a name can be
   * ({@code "f123"} -> {@code "f122\uffff"}); where that is not a valid string (a surrogate, or
   * the smallest character), the name less its last character.
   */
  static String startingAt(String name) {
    char last = name.charAt(name.length() - 1);
    String rest = name.substring(0, name.length() - 1);
    if (last <= 1 || Character.isSurrogate(last) || Character.isSurrogate((char) (last - 1))) {
      return Character.isLowSurrogate(last) && !rest.isEmpty() ? rest.substring(0, rest.length() - 1) : rest;
    }
    return rest + (char) (last - 1) + '\uffff';
  }
}
