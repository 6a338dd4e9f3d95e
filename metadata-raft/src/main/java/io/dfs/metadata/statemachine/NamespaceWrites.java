package io.dfs.metadata.statemachine;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.PermissionDeniedException;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.metadata.namespace.Inode;
import io.dfs.metadata.namespace.Namespace;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import java.util.List;

/**
 * Applies one committed write to the namespace. Deterministic and self-contained: everything it
 * needs is in the entry (the leader's time, the nodes the leader chose for a block), so it touches
 * only replicated state and never the leader's block service.
 */
public final class NamespaceWrites {
  private final int defaultReplication;
  private final long defaultBlockSize;

  NamespaceWrites(int defaultReplication, long defaultBlockSize) {
    this.defaultReplication = defaultReplication;
    this.defaultBlockSize = defaultBlockSize;
  }

  /** A namespace write (through the log), as opposed to a read or a storage node's request. */
  public static boolean isWrite(MetaRequest.OpCase op) {
    return op.getNumber() >= MetaRequest.MKDIR_FIELD_NUMBER && op.getNumber() < MetaRequest.STAT_FIELD_NUMBER;
  }

  /**
   * How far a client's clock may be from the leader's for the time it showed for an entry made
   * without waiting to become the entry's time (see CreateFileRequest.shown_time_ms): past it, a
   * client with a wrong clock would date files wrongly.
   */
  private static final long MAX_SHOWN_TIME_SKEW_MS = 1_000;

  private static long shownOr(long shownMs, long leaderMs) {
    return shownMs > 0 && Math.abs(shownMs - leaderMs) <= MAX_SHOWN_TIME_SKEW_MS ? shownMs : leaderMs;
  }

  /** {@code who}: the calling client session (empty for the peers' own writes). */
  MetaResponse apply(Namespace ns, MetaRequest request, String who) throws DfsException {
    AccessRules.checkWrite(ns, request);
    DelegationRules.check(ns, request, who);
    long now = request.getLeaderTimeMs();
    MetaResponse.Builder out = MetaResponse.newBuilder();
    switch (request.getOpCase()) {
      case MKDIR -> {
        var r = request.getMkdir();
        out.setStatus(ns.status(ns.mkdir(r.getPath(), r.getParents(), r.getMode(), owner(request, r.getOwner()),
            group(request, r.getGroup()), shownOr(r.getShownTimeMs(), now), r.getInodeId(), who)));
        if (r.getDelegate() && !who.isEmpty()) {
          // a directory made without waiting took one of the session's ids: the rest serve it too
          out.setDelegation(ns.delegate(r.getPath(), who, r.getInodeId() == 0));
        }
      }
      case CREATE -> {
        var r = request.getCreate();
        int replication = replicationOf(r);
        long blockSize = r.getBlockSize() > 0 ? r.getBlockSize() : defaultBlockSize;
        if (replication > DfsFileSystem.MAX_REPLICATION || blockSize < DfsFileSystem.MIN_BLOCK_SIZE
            || blockSize % DfsFileSystem.BLOCK_SIZE_UNIT != 0) {
          throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "replication must be 1.."
              + DfsFileSystem.MAX_REPLICATION + " and block size a multiple of " + DfsFileSystem.BLOCK_SIZE_UNIT
              + " of at least " + DfsFileSystem.MIN_BLOCK_SIZE, r.getPath());
        }
        Inode file = ns.createFile(r.getPath(), r.getOverwrite(), r.getCreateParents(), replication, blockSize,
            r.getMode(), owner(request, r.getOwner()), group(request, r.getGroup()), r.getClientId(),
            shownOr(r.getShownTimeMs(), now), r.getInodeId(), who);
        if (r.getAllocateBlock() && r.getTargetsCount() > 0) {
          BlockInfo block = ns.addBlock(r.getPath(), r.getClientId(), null, nodeIds(r.getTargetsList()), now);
          out.setFirstBlock(LocatedBlock.newBuilder().setBlock(block).setOffset(0).addAllLocations(r.getTargetsList()));
        }
        out.setStatus(ns.status(file));
      }
      case ADD_BLOCK -> {
        var r = request.getAddBlock();
        BlockInfo block = ns.addBlock(r.getPath(), r.getInodeId(), r.getClientId(),
            r.hasPrevious() ? r.getPrevious() : null, nodeIds(r.getTargetsList()), now);
        // the new block is still empty
        long offset = ns.file(r.getPath(), r.getInodeId()).length();
        out.setLocatedBlock(LocatedBlock.newBuilder().setBlock(block).setOffset(offset)
            .addAllLocations(r.getTargetsList()));
      }
      case UPDATE_BLOCK -> {
        var r = request.getUpdateBlock();
        BlockInfo bumped = ns.bumpGenerationStamp(r.getPath(), r.getInodeId(), r.getClientId(), r.getBlock(),
            r.getFailedNodesList(), nodeIds(r.getTargetsList()));
        out.setLocatedBlock(LocatedBlock.newBuilder().setBlock(bumped).addAllLocations(r.getTargetsList()));
      }
      case FSYNC -> {
        var r = request.getFsync();
        out.setStatus(ns.status(ns.fsync(r.getPath(), r.getInodeId(), r.getClientId(), r.getLast(), now)));
      }
      case ABANDON_BLOCK -> {
        var r = request.getAbandonBlock();
        ns.abandonBlock(r.getPath(), r.getInodeId(), r.getClientId(), r.getBlock());
        out.setDone(true);
      }
      case COMPLETE -> {
        var r = request.getComplete();
        Inode file = ns.complete(r.getPath(), r.getInodeId(), r.getClientId(), r.hasLast() ? r.getLast() : null, now);
        out.setStatus(ns.status(file));
      }
      case RECOVER_LEASE -> {
        var r = request.getRecoverLease();
        out.setStatus(ns.status(ns.recoverLease(r.getPath(), r.getClientId(), r.hasLast() ? r.getLast() : null, now)));
      }
      case DELETE -> {
        ns.delete(request.getDelete().getPath(), request.getDelete().getRecursive(), now);
        out.setDone(true);
      }
      case RENAME -> {
        var r = request.getRename();
        out.setStatus(ns.status(ns.rename(r.getSource(), r.getDestination(), r.getOverwrite(), now)));
      }
      case REPLACE_CONTENT -> {
        var r = request.getReplaceContent();
        out.setStatus(ns.status(ns.replaceContent(r.getSource(), r.getDestination(), r.getDestinationInodeId(), now)));
      }
      case PATCH_CONTENT -> {
        var r = request.getPatchContent();
        out.setStatus(ns.status(ns.patchContent(r.getSource(), r.getDestination(), r.getDestinationInodeId(),
            r.getBaseBlockIdsList(),
            r.getSegmentsList(), now)));
      }
      case SET_TIMES -> {
        var r = request.getSetTimes();
        ns.setTimes(r.getPath(), r.getMtimeMs(), r.getMtimeNanos(), r.getAtimeMs(), r.getAtimeNanos(), now);
        out.setStatus(ns.statusAt(r.getPath()));
      }
      case SET_REPLICATION -> {
        var r = request.getSetReplication();
        out.setStatus(ns.status(ns.setReplication(r.getPath(), r.getReplication(), now)));
      }
      case SET_PERMISSION -> {
        var r = request.getSetPermission();
        ns.setPermission(r.getPath(), r.getMode(), r.getOwner(), r.getGroup(), now);
        out.setStatus(ns.statusAt(r.getPath()));
      }
      case LINK -> {
        var r = request.getLink();
        ns.link(r.getExisting(), r.getPath(), now);
        out.setStatus(ns.statusAt(r.getPath()));
      }
      case MKNOD -> {
        var r = request.getMknod();
        out.setStatus(ns.status(ns.mknod(r.getPath(), r.getType(), r.getMode(), r.getRdev(),
            owner(request, r.getOwner()), group(request, r.getGroup()), now)));
      }
      case SET_XATTR -> {
        var r = request.getSetXattr();
        ns.setXattr(r.getPath(), r.getName(), r.getValue(), r.getMode(), now);
        out.setStatus(ns.statusAt(r.getPath()));
      }
      case REMOVE_XATTR -> {
        var r = request.getRemoveXattr();
        ns.removeXattr(r.getPath(), r.getName(), now);
        out.setStatus(ns.statusAt(r.getPath()));
      }
      case SYMLINK -> {
        var r = request.getSymlink();
        out.setStatus(ns.status(ns.symlink(r.getPath(), r.getTarget(), owner(request, r.getOwner()),
            group(request, r.getGroup()), now)));
      }
      case DELEGATE -> {
        if (who.isEmpty()) {
          throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "only a client session holds a delegation",
              request.getDelegate().getPath());
        }
        out.setDelegation(ns.delegate(request.getDelegate().getPath(), who, true));
      }
      case RETURN_DELEGATION -> {
        var r = request.getReturnDelegation();
        // another's delegation is taken back only by a superuser: the leader, from a silent holder
        boolean forced = !r.getHolder().isEmpty() && (!request.hasCaller() || request.getCaller().getSuperuser());
        ns.returnDelegation(r.getDirId(), forced ? r.getHolder() : who);
        out.setDone(true);
      }
      case LOCK -> {
        if (who.isEmpty()) {
          throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "only a client session holds a lock",
              request.getLock().getPath());
        }
        ns.locks().apply(ns.lockOf(request.getLock(), who), request.getLock().getPath());
        out.setDone(true);
      }
      case RELEASE_LOCKS -> {
        var r = request.getReleaseLocks();
        // another's locks are released only by a superuser: the leader, for a silent session
        boolean forced = !r.getSession().isEmpty() && (!request.hasCaller() || request.getCaller().getSuperuser());
        ns.locks().releaseSession(forced ? r.getSession() : who);
        out.setDone(true);
      }
      case REAP_UNLINKED -> {
        if (request.hasCaller() && !request.getCaller().getSuperuser()) {
          throw new PermissionDeniedException("only the leader reaps unlinked files", "");
        }
        ns.reap(request.getReapUnlinked().getInodeIdsList());
        out.setDone(true);
      }
      case TRUNCATE -> {
        var r = request.getTruncate();
        out.setStatus(ns.status(ns.truncate(r.getPath(), r.getLength(), now)));
      }
      default -> throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT,
          "not a write operation: " + request.getOpCase(), "");
    }
    return out.build();
  }

  /** A new entry's owner: the one asked for, else its maker (the caller's user name). */
  private static String owner(MetaRequest request, String asked) {
    return asked.isEmpty() && request.getCaller().getUsersCount() > 0 ? request.getCaller().getUsers(0) : asked;
  }

  /** A new entry's group: the one asked for, else its maker's (first) group. */
  private static String group(MetaRequest request, String asked) {
    return asked.isEmpty() && request.getCaller().getGroupsCount() > 0 ? request.getCaller().getGroups(0) : asked;
  }

  /** The replication a create asks for, or the cluster default. */
  int replicationOf(io.dfs.proto.CreateFileRequest r) {
    return r.getReplication() > 0 ? r.getReplication() : defaultReplication;
  }

  private static List<String> nodeIds(List<NodeInfo> nodes) {
    return nodes.stream().map(NodeInfo::getNodeId).toList();
  }
}
