package io.dfs.metadata.blocks;

import io.dfs.client.error.DfsException;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.NodeState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Storage nodes the leader has heard from, with liveness judged on the leader's own clock. Soft
 * state: a new leader starts empty and learns every node again from its next heartbeat.
 */
final class NodeRegistry {
  private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
  private final Map<String, Long> lastHeard = new LinkedHashMap<>();
  private final Clock clock;
  private final long deadAfterMs;

  NodeRegistry(Clock clock, long deadAfterMs) {
    this.clock = clock;
    this.deadAfterMs = deadAfterMs;
  }

  boolean knows(String nodeId) {
    return nodes.containsKey(nodeId);
  }

  /**
   * Registers a node, or registers it again (a restart, a new leader). A node id that is live at
   * another address is refused: without it, anyone able to reach the port could take over a
   * running node's identity and receive its writes. A node that really moved registers once the
   * old address is declared dead.
   */
  void register(NodeInfo node) throws DfsException {
    NodeInfo known = nodes.get(node.getNodeId());
    if (known != null && isLive(node.getNodeId())
        && (!known.getHost().equals(node.getHost()) || known.getDataPort() != node.getDataPort())) {
      throw new DfsException(ErrorCode.PERMISSION_DENIED, "storage node " + node.getNodeId() + " is live at "
          + known.getHost() + ":" + known.getDataPort() + "; it may register at " + node.getHost() + ":"
          + node.getDataPort() + " once that address is declared dead", "");
    }
    nodes.put(node.getNodeId(), node);
    lastHeard.put(node.getNodeId(), clock.millis());
  }

  /** Returns false for a node that must register first. */
  boolean heartbeat(NodeInfo node) {
    NodeInfo known = nodes.get(node.getNodeId());
    if (known == null) {
      return false;
    }
    nodes.put(node.getNodeId(), known.toBuilder()
        .setCapacityBytes(node.getCapacityBytes())
        .setUsedBytes(node.getUsedBytes())
        .setRemainingBytes(node.getRemainingBytes())
        .setBlockCount(node.getBlockCount())
        .setActiveTransfers(node.getActiveTransfers())
        .setQueuedPackets(node.getQueuedPackets())
        .setWriteBytesPerSec(node.getWriteBytesPerSec())
        .setReadBytesPerSec(node.getReadBytesPerSec())
        .build());
    lastHeard.put(node.getNodeId(), clock.millis());
    return true;
  }

  boolean isLive(String nodeId) {
    Long heard = lastHeard.get(nodeId);
    return heard != null && clock.millis() - heard <= deadAfterMs;
  }

  NodeInfo get(String nodeId) {
    return withState(nodes.get(nodeId));
  }

  /** Every known node with its state and last heartbeat filled in. */
  List<NodeInfo> all() {
    List<NodeInfo> out = new ArrayList<>();
    for (NodeInfo n : nodes.values()) {
      out.add(withState(n));
    }
    return out;
  }

  List<NodeInfo> live() {
    return all().stream().filter(n -> n.getState() == NodeState.LIVE).toList();
  }

  private NodeInfo withState(NodeInfo n) {
    if (n == null) {
      return null;
    }
    return n.toBuilder()
        .setState(isLive(n.getNodeId()) ? NodeState.LIVE : NodeState.DEAD)
        .setLastHeartbeatMs(lastHeard.getOrDefault(n.getNodeId(), 0L))
        .build();
  }
}
