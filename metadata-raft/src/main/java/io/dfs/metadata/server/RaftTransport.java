package io.dfs.metadata.server;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport, with the leader's log appenders replaced by {@link PurgeGapLogAppender}.
 * Ratis loads it by class name ({@code raft.rpc.type}); the wire protocol is gRPC's, so Raft
 * clients keep using plain gRPC.
 */
public final class RaftTransport implements RpcType {
  public RaftTransport() {}

  @Override
  public String name() {
    return RaftTransport.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new GrpcFactory(parameters) {
      @Override
      public LogAppender newLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
        return new PurgeGapLogAppender(server, leaderState, follower);
      }
    };
  }
}
