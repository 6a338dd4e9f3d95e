package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** Not enough storage: no node with free space, or fewer live nodes than needed (ENOSPC). */
public class NoSpaceException extends DfsException {
  public NoSpaceException(ErrorCode code, String message, String path) {
    super(code, message, path);
  }
}
