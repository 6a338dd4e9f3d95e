package io.dfs.metadata.namespace;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.PermissionDeniedException;
import io.dfs.client.fs.PathNames;
import io.dfs.proto.Caller;
import io.dfs.proto.ErrorCode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * POSIX permission checks of one caller against the namespace, as HDFS's FSPermissionChecker
 * makes them: search (x) on every directory on the way, then the access an operation needs on the
 * entry, its parent or its nearest existing ancestor; the sticky bit; owner-only changes. A
 * superuser passes every check. A path that does not exist is left to the operation, which
 * reports it as it always does (so a check never turns ENOENT into EACCES for a caller who may look).
 *
 * <p>Owners and groups are strings: a caller matches one by any name it goes by (its user name or
 * its numeric uid, its groups' names or gids), so entries made through the mount (numbers) and
 * through the API or CLI (names) are checked alike.
 */
public final class PermissionCheck {
  public static final int READ = 4;
  public static final int WRITE = 2;
  public static final int EXECUTE = 1;
  private static final int STICKY = 01000;

  private final Namespace ns;
  private final boolean superuser;
  private final Set<String> users;
  private final Set<String> groups;
  private final String name;

  public PermissionCheck(Namespace ns, Caller caller) {
    this.ns = ns;
    this.superuser = caller.getSuperuser();
    this.users = new HashSet<>(caller.getUsersList());
    this.groups = new HashSet<>(caller.getGroupsList());
    this.name = caller.getUsersCount() > 0 ? caller.getUsers(0) : "(nobody)";
  }

  public boolean superuser() {
    return superuser;
  }

  /** Whether the caller is the entry's owner (or a superuser). */
  boolean owns(Inode inode) {
    return owns(inode.owner);
  }

  /** Whether the caller goes by {@code owner} (or is a superuser). */
  public boolean owns(String owner) {
    return superuser || users.contains(owner);
  }

  public boolean inGroup(String group) {
    return superuser || groups.contains(group);
  }

  /** {@code access} (READ, WRITE, EXECUTE bits) on the entry at {@code path}, after searching the way to it. */
  public void entry(String path, int access) throws DfsException {
    Inode target = walk(path, PathNames.components(path).size());
    if (target != null) {
      require(target, access, path);
    }
  }

  /** {@code access} on the directory holding {@code path}'s last name (which need not exist). */
  public void parent(String path, int access) throws DfsException {
    List<String> names = PathNames.components(path);
    if (names.isEmpty()) {
      return;
    }
    Inode parent = walk(path, names.size() - 1);
    if (parent != null) {
      require(parent, access, PathNames.join(names.subList(0, names.size() - 1)));
    }
  }

  /**
   * {@code access} on the deepest directory of {@code path} that exists (where {@code mkdir -p} or
   * a create with parents adds the first new name).
   */
  public void nearestAncestor(String path, int access) throws DfsException {
    List<String> names = PathNames.components(path);
    Inode dir = ns.root();
    int depth = 0;
    while (depth < names.size() - 1) {
      Inode next = dir.children.get(names.get(depth));
      if (next == null || !next.isDirectory()) {
        break;
      }
      require(dir, EXECUTE, PathNames.join(names.subList(0, depth)));
      dir = next;
      depth++;
    }
    if (dir.isDirectory()) {
      require(dir, access, PathNames.join(names.subList(0, depth)));
    }
  }

  /**
   * Removing or replacing the name {@code path} in a sticky directory (as {@code /tmp}): only the
   * entry's owner, the directory's owner or a superuser may.
   */
  public void sticky(String path) throws DfsException {
    List<String> names = PathNames.components(path);
    if (names.isEmpty() || superuser) {
      return;
    }
    Inode parent = walk(path, names.size() - 1);
    Inode entry = parent == null || !parent.isDirectory() ? null : parent.children.get(names.get(names.size() - 1));
    if (entry != null && (parent.mode & STICKY) != 0 && !owns(parent) && !owns(entry)) {
      throw denied("the sticky directory " + PathNames.join(names.subList(0, names.size() - 1))
          + " lets only the owner (" + entry.owner + ") remove or replace it", path);
    }
  }

  /** Only the owner of the entry at {@code path} (or a superuser) may, e.g. chmod. */
  public void owner(String path) throws DfsException {
    Inode target = walk(path, PathNames.components(path).size());
    if (target != null && !owns(target)) {
      throw denied("only the owner (" + target.owner + ") may change this", path);
    }
  }

  /** Read, write and search on every directory with entries below {@code path}: a recursive delete empties each. */
  public void subtree(String path) throws DfsException {
    Inode top = walk(path, PathNames.components(path).size());
    if (top != null && top.isDirectory() && !superuser) {
      subtree(top, path);
    }
  }

  private void subtree(Inode dir, String path) throws DfsException {
    if (dir.children.isEmpty()) {
      return;
    }
    require(dir, READ | WRITE | EXECUTE, path);
    for (Inode child : dir.children.values()) {
      if (child.isDirectory()) {
        subtree(child, path.endsWith("/") ? path + child.name : path + "/" + child.name);
      }
    }
  }

  /**
   * {@code access} on a file reached by its inode id (an open file's), by its own bits alone: the
   * way to it was searched when it was opened, as a local file system checks a descriptor.
   */
  public void file(Inode file, int access, String path) throws DfsException {
    require(file, access, path);
  }

  public PermissionDeniedException denied(String why, String path) {
    return new PermissionDeniedException(ErrorCode.PERMISSION_DENIED, "permission denied for " + name + ": " + why,
        path);
  }

  /**
   * Searches the first {@code depth} names of {@code path}: EXECUTE on each directory passed
   * through. The entry reached, or null when a name on the way is missing or not a directory.
   */
  private Inode walk(String path, int depth) throws DfsException {
    List<String> names = PathNames.components(path);
    Inode inode = ns.root();
    for (int i = 0; i < depth; i++) {
      if (!inode.isDirectory()) {
        return null;
      }
      require(inode, EXECUTE, PathNames.join(names.subList(0, i)));
      inode = inode.children.get(names.get(i));
      if (inode == null) {
        return null;
      }
    }
    return inode;
  }

  private void require(Inode inode, int access, String path) throws DfsException {
    if (superuser) {
      return;
    }
    int granted = users.contains(inode.owner) ? (inode.mode >> 6) & 7
        : groups.contains(inode.group) ? (inode.mode >> 3) & 7 : inode.mode & 7;
    if ((granted & access) != access) {
      throw denied(bits(access) + " needed on " + path + " (owner " + inode.owner + ", group " + inode.group
          + ", mode " + Integer.toOctalString(inode.mode & 07777) + ")", path);
    }
  }

  private static String bits(int access) {
    return ((access & READ) != 0 ? "r" : "-") + ((access & WRITE) != 0 ? "w" : "-")
        + ((access & EXECUTE) != 0 ? "x" : "-");
  }
}
