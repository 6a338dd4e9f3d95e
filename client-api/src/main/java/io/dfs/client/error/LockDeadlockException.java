package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Waiting for the lock would close a circle of owners each waiting for the next (EDEADLK from F_SETLKW). */
public class LockDeadlockException extends DfsException {
  public LockDeadlockException(String message, String path) {
    super(ErrorCode.LOCK_DEADLOCK, message, path);
  }
}
