package io.dfs.hadoop;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.DirectoryNotEmptyException;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.error.PermissionDeniedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.PathIsDirectoryException;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.security.AccessControlException;

/** Our exceptions as the ones Hadoop's callers (and its contract tests) catch. */
final class HadoopErrors {
  /** A client call. */
  interface Call<T> {
    T run() throws IOException;
  }

  private HadoopErrors() {}

  static <T> T call(Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (DfsException e) {
      throw translate(e);
    }
  }

  static IOException translate(DfsException e) {
    IOException t;
    if (e instanceof PathNotFoundException) {
      t = new FileNotFoundException(e.getMessage());
    } else if (e instanceof PathExistsException) {
      t = new FileAlreadyExistsException(e.getMessage());
    } else if (e instanceof NotADirectoryException) {
      t = new ParentNotDirectoryException(e.getMessage());
    } else if (e instanceof DirectoryNotEmptyException) {
      t = new PathIsNotEmptyDirectoryException(e.path());
    } else if (e instanceof IsADirectoryException) {
      t = new PathIsDirectoryException(e.path());
    } else if (e instanceof PermissionDeniedException) {
      t = new AccessControlException(e.getMessage());
    } else {
      return e;
    }
    t.initCause(e);
    return t;
  }
}
