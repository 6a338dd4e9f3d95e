package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Another owner holds a lock in the way of the one asked for (EAGAIN from F_SETLK, EWOULDBLOCK from flock). */
public class LockConflictException extends DfsException {
  public LockConflictException(String message, String path) {
    super(ErrorCode.LOCK_CONFLICT, message, path);
  }
}
