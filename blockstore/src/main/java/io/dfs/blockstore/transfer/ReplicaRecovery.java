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
 * This node's part in a lease recovery of a block whose writer died mid-block: report how many
 * bytes of the unfinished replica every pipeline node acknowledged, then finalize it at the
 * length the leader chose (the smallest any node reported, so all replicas agree). A replica
 * that was finalized already (the last packet got here) answers with its length.
 */
final class ReplicaRecovery {
  private final NodeServices node;

  ReplicaRecovery(NodeServices node) {
    this.node = node;
  }

  OpResponse answer(ReplicaLengthOp op) {
    BlockInfo block = op.getBlock();
    Optional<Replica> done = node.store().get(block.getBlockId())
        .filter(r -> r.block().getGenerationStamp() == block.getGenerationStamp());
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
