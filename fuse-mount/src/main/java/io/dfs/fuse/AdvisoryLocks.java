package io.dfs.fuse;

import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.FileLock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.Flock;

/**
 * flock(2) and fcntl(2) locks on the mount's files, held cluster-wide by the metadata service, so
 * processes on two machines (two mounts) see each other's locks. The kernel names the owner
 * (lock_owner: a process's file table for POSIX locks, an open file description for flock);
 * libfuse sends an unlock of all an owner's POSIX locks at every close, and the mount lets go of an
 * owner's flock when its open file description goes; both cost nothing for owners that never locked.
 */
final class AdvisoryLocks {
  private static final Logger LOG = LoggerFactory.getLogger(AdvisoryLocks.class);
  // fcntl commands as libfuse passes them (x86-64 and aarch64 Linux, 64-bit offsets)
  static final int F_GETLK = 5;
  static final int F_SETLK = 6;
  static final int F_SETLKW = 7;
  private static final int LOCK_NB = 4;

  /**
   * What this mount wrote goes out before a lock it holds is let go of, so the next holder (on any
   * mount) that opens the file then finds it, as NFS does at an unlock.
   */
  interface WritesOut {
    /** Writes what an open descriptor holds (as fsync would). */
    void flush(FileHandle h) throws IOException;

    /** Waits for the mount's write-behind. */
    void awaitAll() throws IOException;
  }

  private final DfsFileSystem fs;
  private final WritesOut writesOut;

  AdvisoryLocks(DfsFileSystem fs, WritesOut writesOut) {
    this.fs = fs;
    this.writesOut = writesOut;
  }

  /** fcntl F_GETLK, F_SETLK, F_SETLKW on a byte range (libfuse gives it from offset 0, length 0 = to the end). */
  void posix(FileHandle h, int cmd, Flock flock, long owner) throws IOException {
    long start = flock.l_start.get();
    long length = flock.l_len.get();
    LockRequest.Builder r = request(h, owner, LockKind.POSIX_LOCK, typeOf(flock.l_type.get()))
        .setStart(start).setEnd(length == 0 ? 0 : start + length).setPid((int) flock.l_pid.get());
    if (cmd == F_GETLK) {
      Optional<FileLock> in = fs.lockInTheWay(r.build());
      if (in.isEmpty()) {
        flock.l_type.set(Flock.F_UNLCK);
      } else {
        FileLock l = in.get();
        flock.l_type.set(l.getType() == LockType.EXCLUSIVE ? Flock.F_WRLCK : Flock.F_RDLCK);
        flock.l_start.set(l.getStart());
        flock.l_len.set(l.getEnd() == Long.MAX_VALUE ? 0 : l.getEnd() - l.getStart());
        flock.l_pid.set(l.getPid());
      }
      return;
    }
    lock(h, r.setWait(cmd == F_SETLKW).build());
  }

  /** flock: LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to wait. */
  void flock(FileHandle h, int op, long owner, int pid) throws IOException {
    int what = op & ~LOCK_NB;
    LockType type = what == Flock.LOCK_UN ? LockType.UNLOCK : what == Flock.LOCK_EX ? LockType.EXCLUSIVE : LockType.SHARED;
    lock(h, request(h, owner, LockKind.FLOCK, type).setPid(pid).setWait((op & LOCK_NB) == 0).build());
  }

  private void lock(FileHandle h, LockRequest r) throws IOException {
    if (r.getType() == LockType.UNLOCK && fs.mayHoldLock(r)) {
      writesOut.flush(h);
      writesOut.awaitAll();
    }
    fs.lock(r);
  }

  /**
   * The open file description goes (its last descriptor closed, or its process died): its flock goes
   * with it. libfuse 2 passes this on as a flag of release that its high-level API does not act
   * on, so every release lets go of the owner's flock; for one that never locked, that is free.
   */
  void descriptionClosed(FileHandle h, long owner) {
    try {
      LockRequest r = request(h, owner, LockKind.FLOCK, LockType.UNLOCK).build();
      if (fs.mayHoldLock(r)) {
        writesOut.awaitAll(); // the descriptor's own writes were handed on by its release
        fs.lock(r);
      }
    } catch (IOException e) {
      // the close itself went well; the lock goes with the session if it cannot go now
      LOG.warn("letting go of the flock on {} failed: {}", h.path(), e.toString());
    }
  }

  private static LockRequest.Builder request(FileHandle h, long owner, LockKind kind, LockType type) {
    return LockRequest.newBuilder().setPath(h.path()).setInodeId(h.inodeId()).setKind(kind).setType(type)
        .setOwner(owner);
  }

  private static LockType typeOf(int fcntlType) {
    if (fcntlType == Flock.F_RDLCK) {
      return LockType.SHARED;
    }
    return fcntlType == Flock.F_WRLCK ? LockType.EXCLUSIVE : LockType.UNLOCK;
  }
}
