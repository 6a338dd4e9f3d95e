package io.dfs.metadata.nodeprotocol;

import io.dfs.client.error.DfsException;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.proto.Error;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;

/** Storage node requests, answered from the leader's block service without touching the Raft log. */
public final class NodeProtocol {
  private final BlockManager blocks;

  public NodeProtocol(BlockManager blocks) {
    this.blocks = blocks;
  }

  public MetaResponse handle(MetaRequest request) {
    try {
      return answer(request);
    } catch (DfsException e) {
      return MetaResponse.newBuilder().setError(e.toProto()).build();
    }
  }

  private MetaResponse answer(MetaRequest request) throws DfsException {
    MetaResponse.Builder out = MetaResponse.newBuilder();
    switch (request.getOpCase()) {
      case REGISTER_NODE -> {
        blocks.register(request.getRegisterNode().getNode());
        out.setDone(true);
      }
      case HEARTBEAT -> out.setHeartbeat(blocks.heartbeat(request.getHeartbeat().getNode()));
      case BLOCK_REPORT -> {
        blocks.fullReport(request.getBlockReport());
        out.setDone(true);
      }
      case BLOCK_RECEIVED -> {
        blocks.incrementalReport(request.getBlockReceived());
        out.setDone(true);
      }
      case BAD_BLOCK -> {
        blocks.badBlock(request.getBadBlock());
        out.setDone(true);
      }
      default -> out.setError(Error.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT)
          .setMessage("not a node protocol request: " + request.getOpCase()));
    }
    return out.build();
  }
}
