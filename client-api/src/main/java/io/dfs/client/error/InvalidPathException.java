package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A path that is not absolute and normalized, holds '..', an empty component or NUL; or another invalid argument (EINVAL). */
public class InvalidPathException extends DfsException {
  public InvalidPathException(ErrorCode code, String message, String path) {
    super(code, message, path);
  }
}
