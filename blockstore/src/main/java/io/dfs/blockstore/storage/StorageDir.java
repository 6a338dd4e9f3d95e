package io.dfs.blockstore.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One data directory: finalized replicas and the tmp area for replicas being written. Finalized
 * replicas' renames are made durable by an fsync of the directory shared by the replicas
 * finalized meanwhile ({@link #syncFinalized}).
 */
final class StorageDir {
  /**
   * How long a free-space reading is used: every replica created asked for it four times (a
   * statfs each, 0.5 s of a node's kernel time per 1,400 small files). The bytes reserved since
   * are counted separately (BlockStore's used), so this is only how fast other writers of the disk
   * are noticed.
   */
  static final long FREE_SPACE_VALID_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final Path root;
  private final RecycledFiles recycled;
  /** The last free-space reading and when it was taken (System.nanoTime); null before the first. */
  private record FreeSpace(long bytes, long readAtNanos) {}

  private volatile FreeSpace lastReading;
  /** Renames into finalized/ made, and those a directory fsync has covered. */
  private final AtomicLong renamed = new AtomicLong();
  private long synced; // guarded by syncLock
  private final Object syncLock = new Object();
  private FileChannel finalizedChannel; // guarded by syncLock
  /**
   * Its file system, found once: Files.getFileStore reads the mount table on every call, and every
   * replica created asked for the free space several times (4% of a node's CPU with small files).
   */
  private volatile FileStore fileStore;

  StorageDir(Path root, RecycledFiles.Recycling recycling) {
    this.root = root;
    this.recycled = new RecycledFiles(root.resolve(ReplicaFiles.RECYCLE), recycling);
  }

  Path root() {
    return root;
  }

  Path finalized() {
    return root.resolve(ReplicaFiles.FINALIZED);
  }

  Path tmp() {
    return root.resolve(ReplicaFiles.TMP);
  }

  void create() throws IOException {
    Files.createDirectories(finalized());
    Files.createDirectories(tmp());
    recycled.start();
  }

  /**
   * Puts a kept empty file at {@code path} (under tmp/) when one is ready, so the caller's open
   * with CREATE finds it instead of allocating a new file.
   */
  void reuseKeptFileAs(Path path) {
    recycled.takeAs(path);
  }

  /** A replica file goes out of use (see {@link RecycledFiles}). */
  void discard(Path file) throws IOException {
    recycled.give(file);
  }

  int keptFiles() {
    return recycled.size();
  }

  long usableSpace() {
    long now = System.nanoTime();
    FreeSpace last = lastReading;
    if (last != null && now - last.readAtNanos() < FREE_SPACE_VALID_NANOS) {
      return last.bytes();
    }
    try {
      FileStore fs = fileStore;
      if (fs == null) {
        fs = Files.getFileStore(root);
        fileStore = fs;
      }
      FreeSpace reading = new FreeSpace(fs.getUsableSpace(), now);
      lastReading = reading;
      return reading.bytes();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Makes the renames into finalized/ made so far durable: one directory fsync covers every
   * rename made before it started, so replicas finalized at the same time share one (group
   * commit). Call after the rename.
   */
  void syncFinalized() {
    long mine = renamed.incrementAndGet();
    synchronized (syncLock) {
      if (synced >= mine) {
        return; // an fsync that started after this rename has completed
      }
      long covered = renamed.get();
      try {
        if (finalizedChannel == null) {
          finalizedChannel = FileChannel.open(finalized(), StandardOpenOption.READ);
        }
        finalizedChannel.force(true);
      } catch (IOException ignored) {
        // not every file system lets a directory be fsync'd; the rename is still atomic
      }
      synced = covered;
    }
  }

  /** Closes the directory kept open for its fsyncs. */
  void close() {
    synchronized (syncLock) {
      if (finalizedChannel != null) {
        try {
          finalizedChannel.close();
        } catch (IOException ignored) {
          // closing a read-only directory handle
        }
        finalizedChannel = null;
      }
    }
  }
}
