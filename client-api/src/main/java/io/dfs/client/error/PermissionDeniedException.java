package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** The caller may not do this (EACCES). */
public class PermissionDeniedException extends DfsException {
  public PermissionDeniedException(String message, String path) {
    super(ErrorCode.PERMISSION_DENIED, message, path);
  }
}
