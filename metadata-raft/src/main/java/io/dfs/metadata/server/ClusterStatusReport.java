package io.dfs.metadata.server;

import io.dfs.metadata.blocks.BlockHealth;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.NodeState;
import io.dfs.proto.PeerStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * The cluster as the leader sees it: Raft roles and progress, storage nodes, capacity and block
 * health. A follower answers too (with what it knows), but clients ask the leader.
 */
final class ClusterStatusReport implements Function<MetaRequest, MetaResponse> {
  /** A follower silent this long is shown as unreachable. */
  private static final long UNREACHABLE_AFTER_MS = 5_000;

  private final Supplier<RaftServer.Division> division;
  private final Supplier<NamespaceStateMachine> stateMachine;
  private final BlockManager blocks;
  private final Map<String, String> httpAddresses;

  ClusterStatusReport(Supplier<RaftServer.Division> division, Supplier<NamespaceStateMachine> stateMachine,
      BlockManager blocks, Map<String, String> httpAddresses) {
    this.division = division;
    this.stateMachine = stateMachine;
    this.blocks = blocks;
    this.httpAddresses = httpAddresses;
  }

  @Override
  public MetaResponse apply(MetaRequest request) {
    RaftServer.Division d = division.get();
    var info = d.getInfo();
    RaftPeerId leader = info.getLeaderId();
    ClusterStatusResponse.Builder out = ClusterStatusResponse.newBuilder()
        .setLeaderId(leader == null ? "" : leader.toString())
        .setTerm(info.getCurrentTerm())
        .setCommitIndex(d.getRaftLog().getLastCommittedIndex());

    Map<String, Long> silentMs = new HashMap<>();
    RoleInfoProto role = info.getRoleInfoProto();
    if (role.hasLeaderInfo()) {
      for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
        silentMs.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
      }
    }
    for (RaftPeer peer : d.getGroup().getPeers()) {
      String id = peer.getId().toString();
      String peerRole;
      long applied = -1;
      if (peer.getId().equals(leader)) {
        peerRole = "LEADER";
        applied = info.getLastAppliedIndex();
      } else if (!info.isLeader()) {
        peerRole = peer.getId().equals(d.getId()) ? info.getCurrentRole().name() : "FOLLOWER";
      } else {
        peerRole = silentMs.getOrDefault(id, Long.MAX_VALUE) > UNREACHABLE_AFTER_MS ? "UNREACHABLE" : "FOLLOWER";
      }
      out.addPeers(PeerStatus.newBuilder().setPeerId(id).setAddress(peer.getAddress()).setRole(peerRole)
          .setLastAppliedIndex(applied).setHttpAddress(httpAddresses.getOrDefault(id, "")));
    }

    long capacity = 0;
    long used = 0;
    long remaining = 0;
    for (NodeInfo n : blocks.nodes()) {
      out.addNodes(n);
      if (n.getState() == NodeState.LIVE) {
        capacity += n.getCapacityBytes();
        used += n.getUsedBytes();
        remaining += n.getRemainingBytes();
      }
    }
    long[] counts = stateMachine.get().counts();
    BlockHealth health = blocks.health();
    out.setCapacityBytes(capacity).setUsedBytes(used).setRemainingBytes(remaining)
        .setFiles(counts[0]).setDirectories(counts[1]).setBlocks(counts[2])
        .setUnderReplicatedBlocks(health.underReplicated())
        .setCorruptBlocks(health.corrupt())
        .setMissingBlocks(health.missing())
        .setSafeMode(blocks.safeMode().on())
        .setSafeModeReason(blocks.safeMode().reason())
        .setReportedBlocks(blocks.safeMode().reportedBlocks())
        .setWriteOpsPerSec(stateMachine.get().writesApplied().getOneMinuteRate())
        .setReadOpsPerSec(stateMachine.get().readsAnswered().getOneMinuteRate());
    return MetaResponse.newBuilder().setClusterStatus(out).build();
  }

  static RaftServer.Division divisionOf(RaftServer server, org.apache.ratis.protocol.RaftGroupId group) {
    try {
      return server.getDivision(group);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
