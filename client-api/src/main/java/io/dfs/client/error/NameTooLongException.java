package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** A name is over 255 bytes or a path over PathNames.MAX_PATH_BYTES (ENAMETOOLONG). */
public class NameTooLongException extends DfsException {
  public NameTooLongException(String message, String path) {
    super(ErrorCode.NAME_TOO_LONG, message, path);
  }
}
