package io.dfs.client.fs;

import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.NameTooLongException;
import io.dfs.proto.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place paths are checked and split: in the metadata service's state machine, and in a
 * client that decides a create alone (under a directory delegation). Deterministic: the same path
 * is accepted or rejected the same way on every peer and every client.
 */
public final class PathNames {
  public static final int MAX_NAME_BYTES = 255;
  /**
   * Longer than PATH_MAX (4096), which bounds one system call's argument, not a file's depth: a
   * process reaches deeper files relative to a directory on the way (pjdfstest's mkdir/03 makes a
   * 4,095-byte path below the mount point's own). This bounds only a request's size.
   */
  public static final int MAX_PATH_BYTES = 32 * 1024;

  private PathNames() {}

  /** The components of an absolute, normalized path; the root has none. */
  public static List<String> components(String path) throws InvalidPathException, NameTooLongException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      throw new InvalidPathException(ErrorCode.INVALID_PATH, "path must be absolute", path);
    }
    if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new NameTooLongException("path longer than " + MAX_PATH_BYTES + " bytes", path);
    }
    if (path.indexOf('\0') >= 0) {
      throw new InvalidPathException(ErrorCode.INVALID_PATH, "path contains NUL", path);
    }
    if (path.equals("/")) {
      return List.of();
    }
    if (path.endsWith("/")) {
      throw new InvalidPathException(ErrorCode.INVALID_PATH, "path must not end with '/'", path);
    }
    List<String> names = List.of(path.substring(1).split("/", -1));
    for (String name : names) {
      if (name.isEmpty()) {
        throw new InvalidPathException(ErrorCode.INVALID_PATH, "empty path component", path);
      }
      if (name.equals(".") || name.equals("..")) {
        throw new InvalidPathException(ErrorCode.INVALID_PATH, "'.' and '..' are not allowed", path);
      }
      if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new NameTooLongException("name longer than " + MAX_NAME_BYTES + " bytes", path);
      }
    }
    return names;
  }

  /** The directory holding {@code path}: "/" for the root and its entries. */
  public static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  /** The last component of {@code path}; empty for the root. */
  public static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Whether {@link #components} accepts the path. */
  public static boolean valid(String path) {
    try {
      components(path);
      return true;
    } catch (InvalidPathException | NameTooLongException e) {
      return false;
    }
  }

  public static String join(List<String> components) {
    return components.isEmpty() ? "/" : "/" + String.join("/", components);
  }
}
