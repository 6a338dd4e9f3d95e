package io.dfs.fuse;

import static io.dfs.client.fs.PathNames.nameOf;
import static io.dfs.client.fs.PathNames.parentOf;

import io.dfs.proto.FileStatus;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
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
 * <p>It also knows which names a directory does <em>not</em> have, for a directory it listed in full
 * or created itself less than the TTL ago (and has kept up to date with its own changes since):
 * the lookup that precedes every create (tar, cp, git) then costs no round trip.
 *
 * <p>A lookup that started before a change of this mount must not put back what it read: every
 * change bumps an epoch, and a fill carries the epoch it started at.
 */
final class AttributeCache {
  static final long TTL_NANOS = 1_000_000_000L;
  static final int MAX_ENTRIES = 200_000;

  /** Directories listed in full beyond this size are not kept as listings. */
  static final int MAX_LISTING = 4096;

  private record Cached(FileStatus status, long expiresAt) {}

  /** Every name of a directory as of a full listing (or its creation here), kept up to date by this mount's changes. */
  private record Listing(Set<String> names, long expiresAt) {}

  private final Map<String, Cached> entries = new ConcurrentHashMap<>();
  private final Map<String, Listing> listings = new ConcurrentHashMap<>();
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
    listings.remove(path);
    listings.keySet().removeIf(k -> k.startsWith(prefix));
    nameRemoved(path);
  }

  /** True when the path's directory was listed (or created here) recently and has no such name. */
  boolean knownAbsent(String path) {
    int slash = path.lastIndexOf('/');
    if (slash < 0 || path.length() == 1) {
      return false; // the root is never absent
    }
    Listing l = listings.get(slash == 0 ? "/" : path.substring(0, slash));
    return l != null && nanoTime.getAsLong() - l.expiresAt() <= 0 && !l.names().contains(path.substring(slash + 1));
  }

  /** A full listing of a directory, unless this mount changed something since it began. */
  void listed(String dir, Collection<String> names, long startedAt) {
    if (names.size() > MAX_LISTING) {
      return;
    }
    Set<String> set = ConcurrentHashMap.newKeySet();
    set.addAll(names);
    listings.compute(dir, (k, old) -> epoch.get() == startedAt ? new Listing(set, expiry()) : old);
  }

  /** A directory this mount just created: empty. */
  void createdDirectory(String dir) {
    listings.put(dir, new Listing(ConcurrentHashMap.newKeySet(), expiry()));
  }

  /** This mount created the entry: its attributes, its name in its directory, the directory's changed times. */
  void entryCreated(String path, FileStatus status) {
    changed(path, status);
    nameAdded(path);
    gainedEntry(parentOf(path), status.getCtimeMs());
  }

  /**
   * The directory got an entry from this mount: its cached attributes take the change's times and
   * count (the cluster's differ by the clocks' skew at most) instead of being dropped, so the next
   * create there, which needs the directory's mode and group, asks nobody. They still expire when
   * they would have, for other clients' changes.
   */
  private void gainedEntry(String dir, long timeMs) {
    entriesChanged(dir, timeMs, 1);
  }

  private void entriesChanged(String dir, long timeMs, int by) {
    epoch.incrementAndGet();
    entries.computeIfPresent(dir, (k, c) -> new Cached(c.status().toBuilder().setMtimeMs(timeMs).setMtimeNanos(0).setCtimeMs(timeMs)
        .setChildren(Math.max(0, c.status().getChildren() + by)).build(), c.expiresAt()));
  }

  /**
   * This mount moved a file from {@code from} to {@code to} with a rename still on its way: the
   * file's entries go, and its directories keep their cached attributes with the rename's times and
   * counts (as {@link #gainedEntry}), so their next lookups do not wait for the rename.
   */
  void fileMoved(String from, String to, long timeMs) {
    invalidate(from);
    invalidate(to);
    nameRemoved(from);
    nameAdded(to);
    entriesChanged(parentOf(from), timeMs, -1);
    entriesChanged(parentOf(to), timeMs, 1);
  }

  /** This mount added a name (create, mkdir, rename's destination). */
  void nameAdded(String path) {
    Listing l = listings.get(parentOf(path));
    if (l != null) {
      l.names().add(nameOf(path));
    }
  }

  /** This mount removed a name (unlink, rmdir, rename's source). */
  void nameRemoved(String path) {
    Listing l = listings.get(parentOf(path));
    if (l != null) {
      l.names().remove(nameOf(path));
    }
  }

  /** A change whose effect on the directory's names is not known here. */
  void forgetListing(String dir) {
    listings.remove(dir);
  }

  private void put(String path, FileStatus status) {
    makeRoom();
    entries.put(path, fresh(status));
  }

  private Cached fresh(FileStatus status) {
    return new Cached(status, expiry());
  }

  private long expiry() {
    return nanoTime.getAsLong() + TTL_NANOS;
  }

  private void makeRoom() {
    if (entries.size() >= MAX_ENTRIES) {
      // a crude bound is enough: the entries are only a latency shortcut
      entries.clear();
    }
    if (listings.size() >= MAX_ENTRIES / 100) {
      listings.clear();
    }
  }
}
