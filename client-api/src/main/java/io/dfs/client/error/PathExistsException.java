package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Something already exists at the path (EEXIST). */
public class PathExistsException extends DfsException {
  public PathExistsException(String message, String path) {
    super(ErrorCode.ALREADY_EXISTS, message, path);
  }
}
