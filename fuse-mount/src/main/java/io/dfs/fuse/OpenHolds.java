package io.dfs.fuse;

import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the cluster which files this mount keeps open, so a file another client unlinks stays
 * readable and writable here until its last descriptor closes (LockKind.OPEN). Only descriptors
 * still open after {@link #HOLD_AFTER_MS} are told: the leader keeps an unlinked file for a grace
 * period anyway (10 s), which covers a descriptor opened just before; the short-lived ones that
 * {@code cp}, {@code tar} and builds open by the thousand cost nothing. Holds and releases go to the
 * cluster in order, off the FUSE threads, from one thread.
 */
final class OpenHolds implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpenHolds.class);
  static final long HOLD_AFTER_MS = 1_000;

  private final DfsFileSystem fs;
  private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fuse-open-holds");
    t.setDaemon(true);
    return t;
  });
  /** Descriptors whose hold is due, by file handle number. */
  private final Map<Long, ScheduledFuture<?>> due = new ConcurrentHashMap<>();

  OpenHolds(DfsFileSystem fs) {
    this.fs = fs;
  }

  /** Descriptor {@code fh} opened the file with {@code inodeId} at {@code path}. */
  void opened(long fh, long inodeId, String path) {
    due.put(fh, sender.schedule(() -> {
      due.remove(fh);
      send(request(fh, inodeId, path, LockType.SHARED));
    }, HOLD_AFTER_MS, TimeUnit.MILLISECONDS));
  }

  /** Descriptor {@code fh} closed: its hold, if it was told, goes. */
  void closed(long fh, long inodeId, String path) {
    ScheduledFuture<?> pending = due.remove(fh);
    if (pending != null && pending.cancel(false)) {
      return; // never told
    }
    sender.execute(() -> {
      LockRequest release = request(fh, inodeId, path, LockType.UNLOCK);
      if (fs.mayHoldLock(release)) {
        send(release);
      }
    });
  }

  private static LockRequest request(long fh, long inodeId, String path, LockType type) {
    return LockRequest.newBuilder().setPath(path).setInodeId(inodeId).setKind(LockKind.OPEN).setType(type)
        .setOwner(fh).build();
  }

  private void send(LockRequest r) {
    try {
      fs.lock(r);
    } catch (IOException e) {
      // gone already (reaped after the grace), or the cluster unreachable: the descriptor reads
      // what it can, and a lapsed session's holds go with it anyway
      LOG.debug("{} of inode {} failed: {}", r.getType() == LockType.UNLOCK ? "release" : "hold", r.getInodeId(),
          e.toString());
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
