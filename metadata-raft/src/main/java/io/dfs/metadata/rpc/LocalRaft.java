package io.dfs.metadata.rpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Hands requests to this peer's own Ratis server, in process: the Raft log for entries, ReadIndex
 * (or the leader's lease) for linearizable reads. Whatever Ratis refuses comes back as NOT_LEADER
 * naming where to try next (the leader Ratis suggests, or this peer again once it is ready), which
 * the caller's client follows; a write may then reach the log twice, and its client session makes
 * the second a replay.
 */
final class LocalRaft {
  private final Supplier<RaftServer> server;
  private final RaftPeerId self;
  private final RaftGroupId group;
  /** This peer's own identity towards its Raft server (its retry cache keys entries by it). */
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  /** Entries answered since the last request: the next request lets Ratis drop their cached replies. */
  private final Queue<Long> replied = new ConcurrentLinkedQueue<>();

  LocalRaft(Supplier<RaftServer> server, String selfId, RaftGroupId group) {
    this.server = server;
    this.self = RaftPeerId.valueOf(selfId);
    this.group = group;
  }

  /** Appends one entry and yields the state machine's response once it is applied here. */
  CompletableFuture<MetaResponse> write(MetaRequest entry) {
    return submit(entry, RaftClientRequest.writeRequestType(), true);
  }

  /** A read that sees every write completed before it started. */
  CompletableFuture<MetaResponse> linearizableRead(MetaRequest request) {
    return submit(request, RaftClientRequest.readRequestType(), false);
  }

  private CompletableFuture<MetaResponse> submit(MetaRequest request, RaftClientRequest.Type type, boolean write) {
    long callId = callIds.incrementAndGet();
    List<Long> answered = new ArrayList<>();
    for (Long id; answered.size() < 1024 && (id = replied.poll()) != null; ) {
      answered.add(id);
    }
    RaftClientRequest r = RaftClientRequest.newBuilder()
        .setClientId(clientId).setServerId(self).setGroupId(group).setCallId(callId)
        .setRepliedCallIds(answered)
        .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(request.toByteArray())))
        .setType(type)
        .build();
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.get().submitClientRequestAsync(r);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(retryAt(self.toString(), e.toString()));
    }
    return reply.handle((rr, failure) -> {
      if (write) {
        replied.add(callId);
      }
      if (failure != null) {
        return retryAt(self.toString(), failure.toString());
      }
      return toResponse(rr);
    });
  }

  private MetaResponse toResponse(RaftClientReply reply) {
    if (reply.isSuccess()) {
      try {
        return MetaResponse.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        return NamespaceStateMachine.error(ErrorCode.INTERNAL, "unreadable state machine response: " + e);
      }
    }
    NotLeaderException notLeader = reply.getNotLeaderException();
    if (notLeader != null) {
      RaftPeer suggested = notLeader.getSuggestedLeader();
      return retryAt(suggested == null ? "" : suggested.getId().toString(), notLeader.getMessage());
    }
    return retryAt(self.toString(), String.valueOf(reply.getException()));
  }

  /**
   * NOT_LEADER naming the peer to send the call to next ("" when no leader is known). The reason
   * follows the id after a space, for logs.
   */
  static MetaResponse retryAt(String peerId, String reason) {
    return NamespaceStateMachine.error(ErrorCode.NOT_LEADER, peerId + " " + reason);
  }
}
