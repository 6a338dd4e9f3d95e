package io.dfs.client.error;

import io.dfs.proto.Error;
import io.dfs.proto.ErrorCode;
import java.io.IOException;

/**
 * A failure reported by the file system. Each {@link ErrorCode} has exactly one exception type so
 * callers catch precisely what they can handle; {@link #code()} lets the FUSE mount map any of them
 * to an errno with one switch.
 */
public class DfsException extends IOException {
  private final ErrorCode code;
  private final String path;
  private final String reason;

  public DfsException(ErrorCode code, String message, String path) {
    super(path == null || path.isEmpty() ? message : message + ": " + path);
    this.code = code;
    this.path = path == null ? "" : path;
    this.reason = message;
  }

  public ErrorCode code() {
    return code;
  }

  public String path() {
    return path;
  }

  /** The exception a server-side {@link Error} stands for. */
  public static DfsException from(Error error) {
    String msg = error.getMessage();
    String path = error.getPath();
    return switch (error.getCode()) {
      case NOT_FOUND -> new PathNotFoundException(msg, path);
      case ALREADY_EXISTS -> new PathExistsException(msg, path);
      case NOT_A_DIRECTORY -> new NotADirectoryException(msg, path);
      case IS_A_DIRECTORY -> new IsADirectoryException(msg, path);
      case DIRECTORY_NOT_EMPTY -> new DirectoryNotEmptyException(msg, path);
      case INVALID_PATH, INVALID_ARGUMENT -> new InvalidPathException(error.getCode(), msg, path);
      case NAME_TOO_LONG -> new NameTooLongException(msg, path);
      case FILE_TOO_LARGE -> new FileTooLargeException(msg, path);
      case PERMISSION_DENIED, NOT_PERMITTED -> new PermissionDeniedException(error.getCode(), msg, path);
      case ALREADY_BEING_CREATED -> new AlreadyBeingCreatedException(msg, path);
      case XATTR_NOT_FOUND -> new XattrNotFoundException(msg, path);
      case XATTR_TOO_BIG -> new XattrTooBigException(msg, path);
      case LOCK_CONFLICT -> new LockConflictException(msg, path);
      case LOCK_DEADLOCK -> new LockDeadlockException(msg, path);
      case NO_SPACE, NOT_ENOUGH_NODES -> new NoSpaceException(error.getCode(), msg, path);
      case STALE_GENERATION, CHECKSUM_MISMATCH, IO_ERROR, STALE_FILE_HANDLE -> new StorageException(error.getCode(), msg, path);
      default -> new DfsException(error.getCode(), msg, path);
    };
  }

  /** The wire form of this exception, for servers that throw it internally. */
  public Error toProto() {
    return Error.newBuilder().setCode(code).setMessage(reason).setPath(path).build();
  }
}
