package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A non-recursive delete, or a rename over a directory, met a non-empty directory (ENOTEMPTY). */
public class DirectoryNotEmptyException extends DfsException {
  public DirectoryNotEmptyException(String message, String path) {
    super(ErrorCode.DIRECTORY_NOT_EMPTY, message, path);
  }
}
