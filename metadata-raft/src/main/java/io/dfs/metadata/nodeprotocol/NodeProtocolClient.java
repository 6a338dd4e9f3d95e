package io.dfs.metadata.nodeprotocol;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.error.DfsException;
import io.dfs.client.metadata.PeerChannel;
import io.dfs.client.tls.ClusterTls;
import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.BlockReceivedRequest;
import io.dfs.proto.BlockReportRequest;
import io.dfs.proto.Caller;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.HeartbeatRequest;
import io.dfs.proto.HeartbeatResponse;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.ReadMode;
import io.dfs.proto.RegisterNodeRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * A storage node's calls to the metadata leader's RPC port (the node protocol): blocking for the
 * caller, over the same leader-following channel clients use. A call the leader does not answer
 * within {@link #CALL_BUDGET_MS} fails, and the node's heartbeat loop tries again later.
 */
public final class NodeProtocolClient implements AutoCloseable {
  static final long ATTEMPT_TIMEOUT_MS = 10_000;
  static final long CALL_BUDGET_MS = 30_000;

  private final PeerChannel leader;

  /** {@code tls}: the node's own identity, which the peers hold its protocol calls to. */
  public NodeProtocolClient(ClusterConfig config, ClusterTls tls) {
    this.leader = new PeerChannel(config.rpcAddresses(), "node-" + UUID.randomUUID(), true, ATTEMPT_TIMEOUT_MS,
        CALL_BUDGET_MS, tls, Caller.getDefaultInstance()); // a node acts for no user: its certificate is who it is
  }

  public void register(NodeInfo node) throws IOException {
    call(MetaRequest.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setNode(node)).build());
  }

  public HeartbeatResponse heartbeat(NodeInfo node) throws IOException {
    return call(MetaRequest.newBuilder().setHeartbeat(HeartbeatRequest.newBuilder().setNode(node)).build())
        .getHeartbeat();
  }

  public void blockReport(BlockReportRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBlockReport(r).build());
  }

  public void blockReceived(BlockReceivedRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBlockReceived(r).build());
  }

  public void reportBadBlock(BadBlockReportRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBadBlock(r).build());
  }

  private MetaResponse call(MetaRequest request) throws IOException {
    MetaResponse response;
    try {
      response = leader.call(request, ReadMode.LEADER).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while calling the metadata leader");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException("node protocol call failed", e.getCause());
    }
    if (response.hasError() && response.getError().getCode() != ErrorCode.OK) {
      throw DfsException.from(response.getError());
    }
    return response;
  }

  @Override
  public void close() {
    leader.close();
  }
}
