package io.dfs.fuse;

import io.dfs.client.error.DfsException;
import ru.serce.jnrfuse.ErrorCodes;

/** The POSIX errno (negated, as FUSE wants it) for each failure of the client. */
final class Errno {
  private Errno() {}

  static int of(Throwable e) {
    if (!(e instanceof DfsException d)) {
      return -ErrorCodes.EIO();
    }
    return switch (d.code()) {
      case NOT_FOUND -> -ErrorCodes.ENOENT();
      case ALREADY_EXISTS -> -ErrorCodes.EEXIST();
      case NOT_A_DIRECTORY -> -ErrorCodes.ENOTDIR();
      case IS_A_DIRECTORY -> -ErrorCodes.EISDIR();
      case DIRECTORY_NOT_EMPTY -> -ErrorCodes.ENOTEMPTY();
      case NAME_TOO_LONG -> -ErrorCodes.ENAMETOOLONG();
      case FILE_TOO_LARGE -> -ErrorCodes.EFBIG();
      case INVALID_PATH, INVALID_ARGUMENT -> -ErrorCodes.EINVAL();
      case PERMISSION_DENIED -> -ErrorCodes.EACCES();
      case NOT_PERMITTED -> -ErrorCodes.EPERM();
      case XATTR_NOT_FOUND -> -ErrorCodes.ENODATA();
      case LOCK_CONFLICT -> -ErrorCodes.EAGAIN();
      case LOCK_DEADLOCK -> -ErrorCodes.EDEADLK();
      case XATTR_TOO_BIG -> -ErrorCodes.E2BIG();
      case NO_SPACE, NOT_ENOUGH_NODES -> -ErrorCodes.ENOSPC();
      case FILE_NOT_OPEN -> -ErrorCodes.EBADF();
      case ALREADY_BEING_CREATED, DELEGATED -> -ErrorCodes.EBUSY();
      case STALE_FILE_HANDLE -> -ErrorCodes.ESTALE();
      default -> -ErrorCodes.EIO();
    };
  }
}
