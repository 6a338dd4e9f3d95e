package io.dfs.blockstore.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emptied files of one data directory, kept to become the files of later replicas instead of
 * being deleted (RocksDB recycles its log files the same way). A replica's two files are taken
 * from here when there are any; a deleted or dropped replica's files come back here.
 *
 * <p>Why: a file system may make a new file cost more after many were deleted. ext4 without a
 * journal (the VMs this project is measured on) skips every inode freed in the last 5 to
 * 305 seconds when it allocates one, reading each one's inode-table block first: after an
 * {@code rm -rf} of a few thousand files, a storage node spent about a millisecond of kernel time
 * per new file instead of 0.05 ms, three quarters of the nodes' CPU during a {@code tar} into the
 * mount. A file kept here was never freed, so it costs a rename and nothing else.
 *
 * <p>A file is handed out again only after {@link Recycling#quarantine()}: a read that opened a
 * replica's files just before the replica was deleted (a short-circuit read, a node serving a read
 * or the scanner hold them for one read) must never find another block's bytes in them. Past
 * {@link Recycling#maxKept()} files, a file is deleted as before.
 *
 * <p>Thread-safe: the queue is guarded by this object's monitor (a leaf lock), the file moves run
 * outside it.
 */
final class RecycledFiles {
  private static final Logger LOG = LoggerFactory.getLogger(RecycledFiles.class);

  /** How many files a data directory keeps, and how long a file rests before it is reused. */
  record Recycling(int maxKept, Duration quarantine) {
    static final Recycling DEFAULT = new Recycling(16_384, Duration.ofSeconds(30));
  }

  private record Kept(Path file, long sinceNanos) {}

  private final Path dir;
  private final Recycling recycling;
  private final Deque<Kept> kept = new ArrayDeque<>(); // oldest first; guarded by this
  private long nextName; // guarded by this

  RecycledFiles(Path dir, Recycling recycling) {
    this.dir = dir;
    this.recycling = recycling;
  }

  /**
   * Takes in the files found at start, emptying any a crash left with bytes (killed between the
   * move here and the truncation). Reusable at once: no read survives a restart.
   */
  void start() throws IOException {
    Files.createDirectories(dir);
    long ready = System.nanoTime() - recycling.quarantine().toNanos();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        long name;
        try {
          name = Long.parseLong(f.getFileName().toString());
        } catch (NumberFormatException e) {
          Files.deleteIfExists(f);
          continue;
        }
        if (Files.size(f) > 0) {
          empty(f);
        }
        synchronized (this) {
          kept.addLast(new Kept(f, ready));
          nextName = Math.max(nextName, name + 1);
        }
      }
    }
  }

  /**
   * Moves a kept file, rested for the quarantine, to {@code target} (which must not exist);
   * false when there is none, and the caller creates the file.
   */
  boolean takeAs(Path target) {
    Kept k;
    synchronized (this) {
      k = kept.peekFirst();
      if (k == null || System.nanoTime() - k.sinceNanos() < recycling.quarantine().toNanos()) {
        return false;
      }
      kept.pollFirst();
    }
    try {
      Files.move(k.file(), target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (IOException e) {
      LOG.warn("could not reuse {} as {}; creating it instead", k.file(), target, e);
      return false;
    }
  }

  /** Takes a replica's file out of use: emptied and kept, or deleted when enough are kept. */
  void give(Path file) throws IOException {
    Path name;
    synchronized (this) {
      if (kept.size() >= recycling.maxKept()) {
        name = null;
      } else {
        name = dir.resolve(Long.toString(nextName++));
      }
    }
    if (name == null) {
      Files.deleteIfExists(file);
      return;
    }
    try {
      // moved first, emptied second: a replica is never cut where it is served from
      Files.move(file, name, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      return; // already gone
    }
    try {
      empty(name);
    } finally {
      synchronized (this) {
        kept.addLast(new Kept(name, System.nanoTime())); // a file left with bytes is emptied when reused
      }
    }
  }

  synchronized int size() {
    return kept.size();
  }

  private static void empty(Path file) throws IOException {
    try (FileChannel ignored = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      // opening with O_TRUNC frees the file's blocks
    }
  }
}
