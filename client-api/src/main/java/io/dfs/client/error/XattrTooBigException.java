package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** An extended attribute's value, or all of an entry's attributes together, past the limit (E2BIG). */
public class XattrTooBigException extends DfsException {
  public XattrTooBigException(String message, String path) {
    super(ErrorCode.XATTR_TOO_BIG, message, path);
  }
}
