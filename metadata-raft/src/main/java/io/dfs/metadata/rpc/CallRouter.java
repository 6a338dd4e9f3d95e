package io.dfs.metadata.rpc;

import io.dfs.metadata.blocktokens.BlockTokenIssuer;
import io.dfs.metadata.locks.LockWaits;
import io.dfs.metadata.nodeprotocol.NodeProtocol;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.metadata.statemachine.NamespaceWrites;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decides who answers a call on this peer's RPC port: namespace writes go to the leader's group
 * commit (a lock that waits first through the leader's {@link LockWaits}), linearizable reads through Ratis' ReadIndex, leader reads and the storage-node protocol to
 * the leader's state directly, stale reads to whatever this peer has applied. A call only the leader
 * may answer, arriving at a follower, is answered NOT_LEADER with the leader's id. The leader's
 * answers get their block access tokens on the way out (only the leader knows where blocks are).
 */
final class CallRouter {
  private final BooleanSupplier isLeader;
  private final Supplier<String> leaderId;
  private final LeaderWriteBatcher writes;
  private final LockWaits lockWaits;
  private final LocalRaft raft;
  private final Function<MetaRequest, MetaResponse> query;
  private final NodeProtocol nodes;
  private final BlockTokenIssuer tokens;
  private final Executor reads;
  private final Executor nodeWork;

  /**
   * @param query answers a read from the applied state (the state machine's query)
   * @param reads runs leader and stale reads (they take the namespace's read lock)
   * @param nodeWork runs storage nodes' requests, in arrival order (they wait on the block
   *     service's monitor)
   */
  CallRouter(BooleanSupplier isLeader, Supplier<String> leaderId, LeaderWriteBatcher writes, LockWaits lockWaits,
      LocalRaft raft, Function<MetaRequest, MetaResponse> query, NodeProtocol nodes, BlockTokenIssuer tokens,
      Executor reads, Executor nodeWork) {
    this.isLeader = isLeader;
    this.leaderId = leaderId;
    this.writes = writes;
    this.lockWaits = lockWaits;
    this.raft = raft;
    this.query = query;
    this.nodes = nodes;
    this.tokens = tokens;
    this.reads = reads;
    this.nodeWork = nodeWork;
  }

  CompletableFuture<MetaResponse> route(ClientCall call) {
    MetaRequest request = call.getRequest();
    MetaRequest.OpCase op = request.getOpCase();
    if (op == MetaRequest.OpCase.OP_NOT_SET || op == MetaRequest.OpCase.CALLS) {
      return CompletableFuture.completedFuture(NamespaceStateMachine.error(ErrorCode.INVALID_ARGUMENT, "not a call: " + op));
    }
    boolean stale = !NamespaceWrites.isWrite(op) && op.getNumber() < MetaRequest.REGISTER_NODE_FIELD_NUMBER
        && call.getReadMode() == io.dfs.proto.ReadMode.STALE;
    if (stale) {
      return CompletableFuture.supplyAsync(() -> query.apply(request), reads);
    }
    if (!isLeader.getAsBoolean()) {
      return CompletableFuture.completedFuture(LocalRaft.retryAt(leaderId.get(), "not the leader"));
    }
    return onLeader(call).thenApply(answer -> tokens.withTokens(answer, call.getClientId()));
  }

  private CompletableFuture<MetaResponse> onLeader(ClientCall call) {
    MetaRequest request = call.getRequest();
    MetaRequest.OpCase op = request.getOpCase();
    if (op.getNumber() >= MetaRequest.REGISTER_NODE_FIELD_NUMBER) {
      return CompletableFuture.supplyAsync(() -> nodes.handle(request), nodeWork);
    }
    if (LockWaits.waits(request)) {
      return lockWaits.submit(call, writes::submit);
    }
    if (NamespaceWrites.isWrite(op)) {
      return writes.submit(call);
    }
    return switch (call.getReadMode()) {
      case LEADER -> CompletableFuture.supplyAsync(() -> query.apply(request), reads);
      default -> raft.linearizableRead(request);
    };
  }
}
