package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Another client holds the file's lease: it is being written, and cannot be replaced meanwhile. */
public class AlreadyBeingCreatedException extends DfsException {
  public AlreadyBeingCreatedException(String message, String path) {
    super(ErrorCode.ALREADY_BEING_CREATED, message, path);
  }
}
