package io.dfs.metadata.blocks;

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

  void register(NodeInfo node) {
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
