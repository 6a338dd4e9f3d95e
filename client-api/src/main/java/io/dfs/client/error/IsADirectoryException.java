package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A file operation was aimed at a directory (EISDIR). */
public class IsADirectoryException extends DfsException {
  public IsADirectoryException(String message, String path) {
    super(ErrorCode.IS_A_DIRECTORY, message, path);
  }
}
