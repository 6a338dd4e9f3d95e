package io.dfs.metadata.statemachine;

import io.dfs.client.block.Holes;
import io.dfs.client.error.DfsException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.namespace.Inode;
import io.dfs.metadata.namespace.Namespace;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileLock;
import io.dfs.proto.FileType;
import io.dfs.proto.FsckProblem;
import io.dfs.proto.FsckResponse;
import io.dfs.proto.GetBlockLocationsResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.Xattrs;
import java.util.ArrayDeque;
import java.util.Deque;

/** Answers read-only namespace requests; callers hold the namespace read lock. */
final class NamespaceReads {
  private final BlockManager blocks;

  NamespaceReads(BlockManager blocks) {
    this.blocks = blocks;
  }

  MetaResponse query(Namespace ns, MetaRequest request) throws DfsException {
    AccessRules.checkRead(ns, request);
    MetaResponse.Builder out = MetaResponse.newBuilder();
    switch (request.getOpCase()) {
      case STAT -> out.setStatus(ns.statusAt(request.getStat().getPath()));
      case LIST -> {
        var r = request.getList();
        out.setList(ns.list(r.getPath(), r.getStartAfter(), r.getLimit()));
      }
      case GET_BLOCK_LOCATIONS -> out.setBlockLocations(blockLocations(ns, request));
      case FSCK -> out.setFsck(fsck(ns, request.getFsck().getPath()));
      case GET_XATTRS -> out.setXattrs(Xattrs.newBuilder().putAllEntries(ns.xattrs(request.getGetXattrs().getPath())));
      case TEST_LOCK -> {
        var r = request.getTestLock();
        FileLock in = ns.locks().conflict(ns.lockOf(r.getLock(), r.getSession()));
        if (in == null) {
          out.setDone(true);
        } else {
          out.setConflict(in);
        }
      }
      default -> throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT,
          "not a read operation: " + request.getOpCase(), "");
    }
    return out.build();
  }

  private GetBlockLocationsResponse blockLocations(Namespace ns, MetaRequest request) throws DfsException {
    var r = request.getGetBlockLocations();
    Inode file = ns.file(r.getPath(), r.getInodeId());
    long end = r.getLength() > 0 ? r.getOffset() + r.getLength() : Long.MAX_VALUE;
    GetBlockLocationsResponse.Builder out = GetBlockLocationsResponse.newBuilder().setStatus(ns.status(file));
    long offset = 0;
    for (BlockInfo b : file.blocks()) {
      long blockEnd = offset + b.getLength();
      boolean overlaps = blockEnd > r.getOffset() && offset < end;
      // an empty last block (being written) still belongs to the answer
      if (overlaps && Holes.isHole(b)) {
        out.addBlocks(LocatedBlock.newBuilder().setBlock(b).setOffset(offset));
      } else if (overlaps || (b.getLength() == 0 && offset >= r.getOffset() && offset <= end)) {
        out.addBlocks(LocatedBlock.newBuilder().setBlock(b).setOffset(offset)
            .addAllLocations(blocks.locationsOf(b)).setCorrupt(blocks.allReplicasCorrupt(b)));
      }
      offset = blockEnd;
    }
    return out.build();
  }

  private FsckResponse fsck(Namespace ns, String path) throws DfsException {
    FsckResponse.Builder out = FsckResponse.newBuilder();
    Deque<Inode> todo = new ArrayDeque<>();
    todo.push(ns.resolve(path.isEmpty() ? "/" : path));
    while (!todo.isEmpty()) {
      Inode i = todo.pop();
      var status = ns.status(i);
      if (status.getType() == FileType.DIRECTORY) {
        out.setDirectories(out.getDirectories() + 1);
        ns.children(i).forEach(todo::push);
        continue;
      }
      out.setFiles(out.getFiles() + 1).setTotalBytes(out.getTotalBytes() + status.getLength());
      for (BlockInfo b : i.blocks()) {
        if (Holes.isHole(b)) {
          continue;
        }
        out.setBlocks(out.getBlocks() + 1);
        if (status.getUnderConstruction()) {
          continue;
        }
        int live = blocks.liveReplicas(b);
        FsckProblem.Kind kind = null;
        if (blocks.allReplicasCorrupt(b)) {
          kind = FsckProblem.Kind.CORRUPT;
        } else if (live == 0) {
          kind = FsckProblem.Kind.MISSING;
        } else if (live < i.replication()) {
          kind = FsckProblem.Kind.UNDER_REPLICATED;
        } else if (live > i.replication()) {
          kind = FsckProblem.Kind.OVER_REPLICATED;
        }
        if (kind != null) {
          out.addProblems(FsckProblem.newBuilder().setPath(status.getPath()).setBlock(b).setKind(kind)
              .setLiveReplicas(live).setExpectedReplicas(i.replication()));
        }
      }
    }
    return out.build();
  }
}
