package io.dfs.client.metadata;

import com.codahale.metrics.Meter;
import io.dfs.client.error.DfsException;
import io.dfs.client.error.LockConflictException;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileLock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.ReleaseLocksRequest;
import io.dfs.proto.TestLockRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * This client session's advisory locks (flock and POSIX byte-range locks), held cluster-wide by the
 * metadata service (see LockRequest). Remembers which (file, kind, owner) may hold a lock, so the
 * unlock the mount sends at every close of a file that never locked costs nothing; keeps the
 * session's lease renewed while it holds any (the leader releases a silent session's locks); a
 * lock that waits asks the leader again until it is granted or its owner lets go of its locks.
 * Its monitor is a leaf: the leader is called, and the lease renewer told, outside it.
 */
public final class SessionLocks {
  /** Sends a call to the leader (not through the group commit: a waiting lock is held there for seconds). */
  interface Leader {
    MetaResponse call(MetaRequest request) throws IOException;
  }

  private record Key(long inodeId, LockKind kind, long owner) {
    static Key of(LockRequest r) {
      return new Key(r.getInodeId(), r.getKind(), r.getOwner());
    }
  }

  private final Leader leader;
  private final String session;
  private final LeaseRenewer renewer;
  /** Each time a waiting lock is asked for (again, after the leader held it for seconds). */
  private final Meter waitAsks;
  private final Set<Key> held = new HashSet<>();
  /** Owners waiting for a lock, with how many waits each. */
  private final Map<Key, Integer> waiting = new HashMap<>();
  /** Owners that let go of all their locks on a file while waiting there: their waits end. */
  private final Set<Key> cancelled = new HashSet<>();

  SessionLocks(Leader leader, String session, LeaseRenewer renewer, Meter waitAsks) {
    this.leader = leader;
    this.waitAsks = waitAsks;
    this.session = session;
    this.renewer = renewer;
  }

  /**
   * Takes, changes or drops a lock ({@code r.inode_id} required). Without {@code wait}, a lock in
   * the way is a {@link LockConflictException}; with it, this returns once the lock is taken, or
   * throws {@link InterruptedIOException} when the thread is interrupted or the owner let go of all
   * its locks on the file meanwhile (a process killed while it waited: its descriptors' close).
   */
  public void lock(LockRequest r) throws IOException {
    if (r.getInodeId() == 0) {
      throw new IllegalArgumentException("a lock names its file's inode id");
    }
    Key key = Key.of(r);
    if (r.getType() == LockType.UNLOCK) {
      unlock(r, key);
      return;
    }
    if (!r.getWait()) {
      send(r);
      taken(key);
      return;
    }
    synchronized (this) {
      waiting.merge(key, 1, Integer::sum);
    }
    try {
      while (true) {
        if (Thread.interrupted()) {
          throw new InterruptedIOException("interrupted while waiting for a lock");
        }
        if (isCancelled(key)) {
          throw new InterruptedIOException("the lock's owner let go of its locks while it waited");
        }
        try {
          waitAsks.mark();
          send(r);
          break;
        } catch (LockConflictException stillLocked) {
          // the leader held the call for seconds and the lock is still taken: ask again
        }
      }
      taken(key);
      if (isCancelled(key)) {
        unlock(r.toBuilder().setType(LockType.UNLOCK).setWait(false).build(), key); // granted too late
        throw new InterruptedIOException("the lock's owner let go of its locks while it waited");
      }
    } finally {
      synchronized (this) {
        if (waiting.merge(key, -1, Integer::sum) == 0) {
          waiting.remove(key);
          cancelled.remove(key);
        }
      }
    }
  }

  /** The first lock of another owner that {@code r} would conflict with, if any. */
  public Optional<FileLock> inTheWay(LockRequest r) throws IOException {
    MetaResponse response = send(MetaRequest.newBuilder()
        .setTestLock(TestLockRequest.newBuilder().setLock(r).setSession(session)).build());
    return response.hasConflict() ? Optional.of(response.getConflict()) : Optional.empty();
  }

  /** Lets go of every lock of this session (the client closes). */
  void releaseAll() throws IOException {
    boolean any;
    synchronized (this) {
      any = !held.isEmpty();
      held.clear();
    }
    if (any) {
      send(MetaRequest.newBuilder().setReleaseLocks(ReleaseLocksRequest.getDefaultInstance()).build());
      renewer.released();
    }
  }

  /** Whether the request's owner may hold a lock of its kind on its file (an unlock of none is free). */
  public synchronized boolean mayHold(LockRequest r) {
    return held.contains(Key.of(r));
  }

  /** Whether this session may hold any lock now. */
  public synchronized boolean holdsAny() {
    return !held.isEmpty();
  }

  private void unlock(LockRequest r, Key key) throws IOException {
    boolean whole = r.getKind() == LockKind.FLOCK || (r.getStart() == 0 && (r.getEnd() == 0 || r.getEnd() == Long.MAX_VALUE));
    boolean mayHold;
    synchronized (this) {
      if (whole && waiting.containsKey(key)) {
        cancelled.add(key);
      }
      mayHold = held.contains(key);
    }
    if (!mayHold) {
      return; // never locked here: nothing to tell the leader
    }
    send(r);
    boolean none;
    synchronized (this) {
      none = whole && held.remove(key) && held.isEmpty();
    }
    if (none) {
      renewer.released();
    }
  }

  private void taken(Key key) {
    boolean first;
    synchronized (this) {
      first = held.add(key) && held.size() == 1;
    }
    if (first) {
      renewer.acquired(); // the session's renewals keep its locks
    }
  }

  private synchronized boolean isCancelled(Key key) {
    return cancelled.contains(key);
  }

  private void send(LockRequest r) throws IOException {
    send(MetaRequest.newBuilder().setLock(r).build());
  }

  private MetaResponse send(MetaRequest request) throws IOException {
    MetaResponse response = leader.call(request);
    if (response.hasError() && response.getError().getCode() != ErrorCode.OK) {
      throw DfsException.from(response.getError());
    }
    return response;
  }
}
