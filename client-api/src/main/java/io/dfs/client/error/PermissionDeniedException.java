package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/**
 * The caller may not do this: PERMISSION_DENIED (EACCES, the mode bits say no) or NOT_PERMITTED
 * (EPERM, not for this kind of entry, such as a hard link to a directory).
 */
public class PermissionDeniedException extends DfsException {
  public PermissionDeniedException(String message, String path) {
    super(ErrorCode.PERMISSION_DENIED, message, path);
  }

  public PermissionDeniedException(ErrorCode code, String message, String path) {
    super(code, message, path);
  }
}
