package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** The path, or one of its parents, does not exist (ENOENT). */
public class PathNotFoundException extends DfsException {
  public PathNotFoundException(String message, String path) {
    super(ErrorCode.NOT_FOUND, message, path);
  }
}
