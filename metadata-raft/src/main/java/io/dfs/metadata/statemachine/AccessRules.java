package io.dfs.metadata.statemachine;

import static io.dfs.metadata.namespace.PermissionCheck.EXECUTE;
import static io.dfs.metadata.namespace.PermissionCheck.READ;
import static io.dfs.metadata.namespace.PermissionCheck.WRITE;

import io.dfs.client.error.DfsException;
import io.dfs.metadata.namespace.Namespace;
import io.dfs.metadata.namespace.PermissionCheck;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockType;
import io.dfs.proto.MetaRequest;

/**
 * What each namespace operation asks of its caller, as on a local file system: write and search
 * on the directory a name is added to or removed from (and the sticky bit), write on a file to
 * change its content, read to open or list, only the owner may chmod, only a superuser may give an
 * entry away. Checked against the state the operation is applied to (writes in the state machine,
 * so every peer decides alike; reads where they are answered). Operations on a file the caller is
 * writing (add_block, complete, ...) were checked when it opened the file: its lease is the
 * permission. A request without a caller is the peers' own and is not checked.
 */
final class AccessRules {
  private static final int ADD_NAME = WRITE | EXECUTE;

  private AccessRules() {}

  static void checkWrite(Namespace ns, MetaRequest request) throws DfsException {
    if (!request.hasCaller() || request.getCaller().getSuperuser()) {
      return;
    }
    PermissionCheck p = new PermissionCheck(ns, request.getCaller());
    switch (request.getOpCase()) {
      case MKDIR -> {
        var r = request.getMkdir();
        addsName(p, r.getPath(), r.getParents());
        mayGive(p, r.getOwner(), r.getGroup(), r.getPath());
      }
      case CREATE -> {
        var r = request.getCreate();
        addsName(p, r.getPath(), r.getCreateParents());
        if (r.getOverwrite()) {
          p.entry(r.getPath(), WRITE);
          p.sticky(r.getPath());
        }
        mayGive(p, r.getOwner(), r.getGroup(), r.getPath());
      }
      case SYMLINK -> {
        var r = request.getSymlink();
        p.parent(r.getPath(), ADD_NAME);
        mayGive(p, r.getOwner(), r.getGroup(), r.getPath());
      }
      case MKNOD -> {
        var r = request.getMknod();
        p.parent(r.getPath(), ADD_NAME);
        mayGive(p, r.getOwner(), r.getGroup(), r.getPath());
      }
      case LINK -> {
        p.entry(request.getLink().getExisting(), 0);
        p.parent(request.getLink().getPath(), ADD_NAME);
      }
      case DELETE -> {
        var r = request.getDelete();
        p.parent(r.getPath(), ADD_NAME);
        p.sticky(r.getPath());
        if (r.getRecursive()) {
          p.subtree(r.getPath());
        }
      }
      case RENAME -> {
        var r = request.getRename();
        p.parent(r.getSource(), ADD_NAME);
        p.sticky(r.getSource());
        p.parent(r.getDestination(), ADD_NAME);
        p.sticky(r.getDestination());
      }
      case REPLACE_CONTENT -> {
        var r = request.getReplaceContent();
        openFile(ns, p, r.getDestination(), r.getDestinationInodeId(), WRITE); // a rewrite: as open(O_WRONLY)
        p.parent(r.getSource(), ADD_NAME); // and its temporary name goes
        p.sticky(r.getSource());
      }
      case PATCH_CONTENT -> {
        var r = request.getPatchContent();
        openFile(ns, p, r.getDestination(), r.getDestinationInodeId(), WRITE); // as a rewrite
        p.parent(r.getSource(), ADD_NAME);
        p.sticky(r.getSource());
      }
      case DELEGATE -> {
        if (!request.getDelegate().getPath().isEmpty()) { // empty: more ids for what the session holds
          p.entry(request.getDelegate().getPath(), ADD_NAME); // only who may add names holds them
        }
      }
      case TRUNCATE -> p.entry(request.getTruncate().getPath(), WRITE);
      case LOCK -> {
        // as fcntl asks of the descriptor: open for reading to share, for writing to exclude; an
        // unlock asks nothing (a lock is always let go of)
        var r = request.getLock();
        if (r.getType() != LockType.UNLOCK && r.getKind() != LockKind.OPEN) { // an OPEN was checked at open
          p.entry(r.getPath(), r.getKind() == LockKind.FLOCK ? 0 : r.getType() == LockType.SHARED ? READ : WRITE);
        }
      }
      case SET_REPLICATION -> p.entry(request.getSetReplication().getPath(), WRITE);
      case SET_TIMES -> {
        // the owner sets any times; anyone who may write the file may touch it
        String path = request.getSetTimes().getPath();
        try {
          p.owner(path);
        } catch (DfsException notOwner) {
          p.entry(path, WRITE);
        }
      }
      case SET_PERMISSION -> {
        var r = request.getSetPermission();
        p.owner(r.getPath());
        String owner = ns.statusAt(r.getPath()).getOwner();
        if (!r.getOwner().isEmpty() && !r.getOwner().equals(owner)) {
          throw p.denied("only a superuser gives an entry to another owner", r.getPath());
        }
        if (!r.getGroup().isEmpty() && !p.inGroup(r.getGroup())) {
          throw p.denied("the owner may give an entry only to a group it belongs to", r.getPath());
        }
      }
      case SET_XATTR -> xattr(p, request.getSetXattr().getPath(), request.getSetXattr().getName(), WRITE);
      case REMOVE_XATTR -> xattr(p, request.getRemoveXattr().getPath(), request.getRemoveXattr().getName(), WRITE);
      default -> {
        // the writer's own file (its lease), or not a namespace write at all
      }
    }
  }

  static void checkRead(Namespace ns, MetaRequest request) throws DfsException {
    if (!request.hasCaller() || request.getCaller().getSuperuser()) {
      return;
    }
    PermissionCheck p = new PermissionCheck(ns, request.getCaller());
    switch (request.getOpCase()) {
      case STAT -> p.entry(request.getStat().getPath(), 0);
      case LIST -> {
        String path = request.getList().getPath();
        p.entry(path, ns.resolve(path).isDirectory() ? READ : 0);
      }
      case GET_BLOCK_LOCATIONS -> openFile(ns, p, request.getGetBlockLocations().getPath(),
          request.getGetBlockLocations().getInodeId(), READ);
      case GET_XATTRS -> p.entry(request.getGetXattrs().getPath(), READ);
      case TEST_LOCK -> p.entry(request.getTestLock().getLock().getPath(), 0);
      default -> {
        // cluster-wide reports (fsck, status) and the node protocol
      }
    }
  }

  /**
   * {@code access} on a file named by path and, when known, inode id: the way to it and its bits
   * while the path names it; its own bits once it went elsewhere (renamed or unlinked by another
   * client while open here).
   */
  private static void openFile(Namespace ns, PermissionCheck p, String path, long inodeId, int access)
      throws DfsException {
    if (inodeId == 0 || namesFile(ns, path, inodeId)) {
      p.entry(path, access);
    } else {
      p.file(ns.fileById(inodeId, path), access, path);
    }
  }

  private static boolean namesFile(Namespace ns, String path, long inodeId) {
    try {
      return ns.resolve(path).id() == inodeId;
    } catch (DfsException e) {
      return false;
    }
  }

  /** The new name's directory (or, making parents, the nearest that exists) must take a new name. */
  private static void addsName(PermissionCheck p, String path, boolean parents) throws DfsException {
    if (parents) {
      p.nearestAncestor(path, ADD_NAME);
    } else {
      p.parent(path, ADD_NAME);
    }
  }

  /** A new entry's owner is its maker unless a superuser says otherwise; its group one of the maker's. */
  private static void mayGive(PermissionCheck p, String owner, String group, String path) throws DfsException {
    if (!owner.isEmpty() && !p.owns(owner)) {
      throw p.denied("only a superuser makes an entry for another owner (" + owner + ")", path);
    }
    if (!group.isEmpty() && !p.inGroup(group)) {
      throw p.denied("an entry may go only to a group its maker belongs to (" + group + ")", path);
    }
  }

  /** {@code trusted.} attributes are a superuser's; the others need {@code access} on the entry. */
  private static void xattr(PermissionCheck p, String path, String name, int access) throws DfsException {
    if (name.startsWith("trusted.")) {
      throw p.denied("trusted.* attributes are a superuser's", path);
    }
    p.entry(path, access);
  }
}
