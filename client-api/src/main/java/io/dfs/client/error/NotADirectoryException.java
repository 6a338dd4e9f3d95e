package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A path component that must be a directory is a file (ENOTDIR). */
public class NotADirectoryException extends DfsException {
  public NotADirectoryException(String message, String path) {
    super(ErrorCode.NOT_A_DIRECTORY, message, path);
  }
}
