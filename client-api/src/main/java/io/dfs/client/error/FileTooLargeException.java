package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A write or truncate past {@link io.dfs.client.fs.DfsFileSystem#MAX_FILE_SIZE} (EFBIG). */
public class FileTooLargeException extends DfsException {
  public FileTooLargeException(String message, String path) {
    super(ErrorCode.FILE_TOO_LARGE, message, path);
  }

  /** Refuses, before anything is written, a file that would end at {@code end} bytes. */
  public static void check(long end, String path) throws FileTooLargeException {
    if (end > io.dfs.client.fs.DfsFileSystem.MAX_FILE_SIZE) {
      throw new FileTooLargeException("a length of " + end + " is past the maximum file size "
          + io.dfs.client.fs.DfsFileSystem.MAX_FILE_SIZE, path);
    }
  }
}
