package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A write or truncate past {@link io.dfs.client.fs.DfsFileSystem#MAX_FILE_SIZE} (EFBIG). */
public class FileTooLargeException extends DfsException {
  public FileTooLargeException(String message, String path) {
    super(ErrorCode.FILE_TOO_LARGE, message, path);
  }
}
