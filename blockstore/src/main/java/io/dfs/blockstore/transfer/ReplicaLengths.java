package io.dfs.blockstore.transfer;

import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaNotFoundException;
import io.dfs.blockstore.storage.ReplicaWriter;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.ReplicaLengthOp;
import io.dfs.proto.TransferStatus;
import java.io.IOException;
import java.util.Optional;

/**
 * Answers {@code ReplicaLengthOp}: how long this node's replica of a block is. For a replica still
 * being written that is the length every pipeline node acknowledged (what a reader of the file may
 * see, and what a lease recovery may keep); a finalized replica answers with its length. With
 * {@code finalize} (lease recovery of a writer that died mid-block), the unfinished replica is
 * first cut to the length the leader chose (the smallest any node reported, so all agree).
 */
final class ReplicaLengths {
  private final NodeServices node;

  ReplicaLengths(NodeServices node) {
    this.node = node;
  }

  OpResponse answer(ReplicaLengthOp op) {
    BlockInfo block = op.getBlock();
    Optional<Replica> done = node.store().finalized(block);
    if (done.isPresent()) {
      long length = done.get().block().getLength();
      boolean agrees = !op.getFinalize() || op.getLength() == length;
      return response(agrees ? TransferStatus.SUCCESS : TransferStatus.ERROR, length,
          agrees ? "" : "replica was finalized at " + length + " bytes");
    }
    Optional<ReplicaWriter> unfinished = node.store().unfinished(block);
    if (unfinished.isEmpty()) {
      return response(TransferStatus.ERROR_NOT_FOUND, 0, "no replica of block " + block.getBlockId()
          + " generation " + block.getGenerationStamp());
    }
    if (!op.getFinalize()) {
      return response(TransferStatus.SUCCESS, unfinished.get().acknowledged(), "");
    }
    try {
      Replica r = node.store().finalizeUnfinished(block, op.getLength());
      node.onFinalized().accept(r.block());
      return response(TransferStatus.SUCCESS, r.block().getLength(), "");
    } catch (ReplicaNotFoundException e) {
      return response(TransferStatus.ERROR_NOT_FOUND, 0, e.getMessage());
    } catch (IOException e) {
      return response(TransferStatus.ERROR, 0, e.toString());
    }
  }

  private static OpResponse response(TransferStatus status, long length, String message) {
    return OpResponse.newBuilder().setStatus(status).setReplicaLength(length).setMessage(message).build();
  }
}
