package io.dfs.fuse;

import io.dfs.proto.FileStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The mount's short-lived memory of entries it has seen, so the kernel's many getattr calls
 * (every lookup, after every create, write and setattr) do not each cost a metadata round trip.
 *
 * <p>Coherence: this mount's own changes are written through (the entry the change returned
 * replaces the cached one, or the entry is dropped), so the mount always sees its own writes.
 * Changes by other clients become visible within {@link #TTL_NANOS}, the same bound the kernel's
 * {@code attr_timeout} already gives; {@code open} always asks the cluster (close-to-open).
 *
 * <p>A lookup that started before a change of this mount must not put back what it read: every
 * change bumps an epoch, and a fill carries the epoch it started at.
 */
final class AttributeCache {
  static final long TTL_NANOS = 1_000_000_000L;
  static final int MAX_ENTRIES = 200_000;

  private record Cached(FileStatus status, long expiresAt) {}

  private final Map<String, Cached> entries = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final LongSupplier nanoTime;

  AttributeCache(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** The entry if it was seen less than the TTL ago, else null. */
  FileStatus get(String path) {
    Cached c = entries.get(path);
    if (c == null) {
      return null;
    }
    if (nanoTime.getAsLong() - c.expiresAt() > 0) {
      entries.remove(path, c);
      return null;
    }
    return c.status();
  }

  /** Taken before a read from the cluster whose answer will be offered to {@link #fill}. */
  long epoch() {
    return epoch.get();
  }

  /** Caches what a read returned, unless this mount changed something since the read began. */
  void fill(String path, FileStatus status, long startedAt) {
    makeRoom();
    // checked under the entry's lock: a change bumps the epoch before it writes its entry
    entries.compute(path, (k, old) -> epoch.get() == startedAt ? fresh(status) : old);
  }

  /** What this mount's own change returned: always current. */
  void changed(String path, FileStatus status) {
    epoch.incrementAndGet();
    put(path, status);
  }

  /** The entry changed in a way whose result is not known here. */
  void invalidate(String path) {
    epoch.incrementAndGet();
    entries.remove(path);
  }

  /** A rename or recursive delete: the path and everything below it. */
  void invalidateTree(String path) {
    epoch.incrementAndGet();
    String prefix = path.endsWith("/") ? path : path + "/";
    entries.remove(path);
    entries.keySet().removeIf(k -> k.startsWith(prefix));
  }

  private void put(String path, FileStatus status) {
    makeRoom();
    entries.put(path, fresh(status));
  }

  private Cached fresh(FileStatus status) {
    return new Cached(status, nanoTime.getAsLong() + TTL_NANOS);
  }

  private void makeRoom() {
    if (entries.size() >= MAX_ENTRIES) {
      // a crude bound is enough: the entries are only a latency shortcut
      entries.clear();
    }
  }
}
