package io.dfs.client.error;

import io.dfs.proto.ErrorCode;

/** The entry has no extended attribute by that name (ENODATA). */
public class XattrNotFoundException extends DfsException {
  public XattrNotFoundException(String message, String path) {
    super(ErrorCode.XATTR_NOT_FOUND, message, path);
  }
}
