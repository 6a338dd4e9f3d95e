package io.dfs.metadata.server;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/** The Raft group of a cluster's metadata peers, built from the cluster config. */
public final class RaftGroups {
  private RaftGroups() {}

  public static RaftGroup of(ClusterConfig config) {
    RaftPeer[] peers = config.metadataPeers().stream().map(RaftGroups::peer).toArray(RaftPeer[]::new);
    return RaftGroup.valueOf(RaftGroupId.valueOf(UUID.fromString(config.raftGroupId())), peers);
  }

  public static RaftPeer peer(PeerAddress address) {
    return RaftPeer.newBuilder().setId(address.id()).setAddress(address.hostPort()).build();
  }
}
