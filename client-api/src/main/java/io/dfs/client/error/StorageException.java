package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Data could not be stored or read intact from any replica (EIO). */
public class StorageException extends DfsException {
  public StorageException(ErrorCode code, String message, String path) {
    super(code, message, path);
  }
}
