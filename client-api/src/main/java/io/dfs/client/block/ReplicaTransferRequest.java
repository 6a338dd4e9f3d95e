package io.dfs.client.block;

import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferReplicaOp;
import io.dfs.proto.TransferStatus;
import java.io.IOException;
import java.util.List;

/**
 * The writer's side of HDFS's transferBlock: before a replacement node joins a recovered
 * pipeline mid-block, a surviving node copies it the acknowledged prefix of its unfinished replica,
 * so the replacement can continue the block like the survivors.
 */
public final class ReplicaTransferRequest {
  private ReplicaTransferRequest() {}

  /** Asks {@code source} to copy {@code length} bytes of its replica of {@code block} to {@code targets}. */
  public static void send(NodeConnections nodes, NodeInfo source, BlockInfo block, BlockToken token, long length, List<NodeInfo> targets,
      String clientId) throws IOException {
    try (BlockingFrameChannel ch = nodes.connect(source)) {
      ch.write(TransferHeader.newBuilder().setTransferReplica(TransferReplicaOp.newBuilder().setBlock(block).setToken(token)
          .setLength(length).addAllTargets(targets).setClientId(clientId)).build());
      OpResponse r = ch.readHead().header().getResponse();
      if (r.getStatus() != TransferStatus.SUCCESS) {
        throw new IOException("copy of block " + block.getBlockId() + " from " + source.getNodeId() + " failed: "
            + r.getStatus() + " " + r.getMessage());
      }
    }
  }
}
