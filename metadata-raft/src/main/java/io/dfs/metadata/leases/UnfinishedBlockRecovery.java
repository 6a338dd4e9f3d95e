package io.dfs.metadata.leases;

import io.dfs.client.block.NodeConnections;
import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.ReplicaLengthOp;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HDFS's block recovery, for the last block of a file whose writer died mid-block: asks each
 * pipeline node how many bytes of its unfinished replica every node acknowledged, and has them
 * finalize their replicas at the smallest answer. Whatever an hflush made durable is on every
 * node, so it is kept; bytes that only some nodes had are cut, so all replicas agree.
 *
 * <p>Runs on the lease recovery's proposer thread and holds no lock while it talks to the nodes.
 */
final class UnfinishedBlockRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(UnfinishedBlockRecovery.class);
  private static final int TIMEOUT_MS = 15_000;

  private UnfinishedBlockRecovery() {}

  /** The block finalized at the agreed length on at least one node, or null when no node has it. */
  static BlockInfo recover(NodeConnections nodes, BlockInfo block, List<NodeInfo> pipeline, BlockToken token) {
    List<NodeInfo> holders = new ArrayList<>();
    long length = Long.MAX_VALUE;
    for (NodeInfo n : pipeline) {
      OpResponse r = ask(nodes, n, ReplicaLengthOp.newBuilder().setBlock(block).setToken(token).build());
      if (r != null && r.getStatus() == TransferStatus.SUCCESS) {
        holders.add(n);
        length = Math.min(length, r.getReplicaLength());
      }
    }
    if (holders.isEmpty()) {
      return null;
    }
    BlockInfo agreed = block.toBuilder().setLength(length).build();
    int finalized = 0;
    for (NodeInfo n : holders) {
      OpResponse r = ask(nodes, n, ReplicaLengthOp.newBuilder().setBlock(block).setFinalize(true).setLength(length)
          .setToken(token).build());
      if (r != null && r.getStatus() == TransferStatus.SUCCESS) {
        finalized++;
      }
    }
    LOG.info("block {} recovered at {} bytes on {} of {} nodes", block.getBlockId(), length, finalized, pipeline.size());
    return finalized > 0 ? agreed : null;
  }

  private static OpResponse ask(NodeConnections nodes, NodeInfo node, ReplicaLengthOp op) {
    try (BlockingFrameChannel c = nodes.connect(node, TIMEOUT_MS)) {
      c.write(TransferHeader.newBuilder().setReplicaLengthOp(op).build());
      TransferHeader answer = c.read().header();
      if (!answer.hasResponse()) {
        return null;
      }
      if (answer.getResponse().getStatus() != TransferStatus.SUCCESS) {
        LOG.info("node {} on block {}: {} {}", node.getNodeId(), op.getBlock().getBlockId(),
            answer.getResponse().getStatus(), answer.getResponse().getMessage());
      }
      return answer.getResponse();
    } catch (IOException e) {
      LOG.info("node {} unreachable for the recovery of block {}: {}", node.getNodeId(), op.getBlock().getBlockId(),
          e.toString());
      return null;
    }
  }
}
