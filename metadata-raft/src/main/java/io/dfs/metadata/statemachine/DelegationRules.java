package io.dfs.metadata.statemachine;

import io.dfs.client.error.DfsException;
import io.dfs.client.fs.PathNames;
import io.dfs.metadata.namespace.Delegations;
import io.dfs.metadata.namespace.Inode;
import io.dfs.metadata.namespace.Namespace;
import io.dfs.proto.MetaRequest;
import java.util.List;

/**
 * Which directories' names each write changes, refused while another session holds one of them
 * (see {@link Delegations}). The same directories as {@link AccessRules} asks write permission on.
 * {@code who} is the calling session; the peers' own writes have none and are refused too.
 */
final class DelegationRules {
  private DelegationRules() {}

  static void check(Namespace ns, MetaRequest request, String who) throws DfsException {
    Delegations delegations = ns.delegations();
    if (delegations.size() == 0) {
      return;
    }
    switch (request.getOpCase()) {
      case MKDIR -> namesChangeIn(ns, request.getMkdir().getPath(), request.getMkdir().getParents(), who);
      case CREATE -> {
        var r = request.getCreate();
        if (r.getInodeId() == 0) { // a holder's own create is checked against its grant
          namesChangeIn(ns, r.getPath(), r.getCreateParents(), who);
        }
      }
      case SYMLINK -> namesChangeIn(ns, request.getSymlink().getPath(), false, who);
      case MKNOD -> namesChangeIn(ns, request.getMknod().getPath(), false, who);
      case LINK -> namesChangeIn(ns, request.getLink().getPath(), false, who);
      case DELETE -> {
        var r = request.getDelete();
        namesChangeIn(ns, r.getPath(), false, who);
        Inode target = existing(ns, r.getPath());
        if (target != null && target.isDirectory()) {
          delegations.checkSubtree(target, who, r.getPath());
        }
      }
      case RENAME -> {
        namesChangeIn(ns, request.getRename().getSource(), false, who);
        namesChangeIn(ns, request.getRename().getDestination(), false, who);
        Inode replaced = existing(ns, request.getRename().getDestination());
        if (replaced != null && replaced.isDirectory()) {
          delegations.checkSubtree(replaced, who, request.getRename().getDestination());
        }
      }
      case REPLACE_CONTENT -> namesChangeIn(ns, request.getReplaceContent().getSource(), false, who);
      case PATCH_CONTENT -> namesChangeIn(ns, request.getPatchContent().getSource(), false, who);
      default -> {
        // no name is added or removed
      }
    }
  }

  /** The directory a name at {@code path} goes into or leaves (making parents: the nearest that exists). */
  private static void namesChangeIn(Namespace ns, String path, boolean parents, String who) throws DfsException {
    List<String> names = PathNames.components(path);
    for (int end = names.size() - 1; end >= 0; end--) {
      String dirPath = PathNames.join(names.subList(0, end));
      Inode dir = existing(ns, dirPath);
      if (dir != null) {
        if (dir.isDirectory()) {
          ns.delegations().checkNames(dir.id(), who, dirPath);
        }
        return;
      }
      if (!parents) {
        return; // the operation reports the missing parent
      }
    }
  }

  private static Inode existing(Namespace ns, String path) throws DfsException {
    try {
      return ns.resolve(path);
    } catch (DfsException e) {
      return null; // no such entry, or a file on the way: the operation reports it
    }
  }
}
