package io.dfs.metadata.blocks;

import io.dfs.proto.BlockInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which node holds which replica, as the nodes reported it; corrupt replicas are kept apart. */
final class ReplicaMap {
  private final Map<Long, Map<String, BlockInfo>> replicas = new HashMap<>();
  private final Map<Long, Set<String>> corrupt = new HashMap<>();

  void add(String nodeId, BlockInfo replica) {
    replicas.computeIfAbsent(replica.getBlockId(), k -> new LinkedHashMap<>()).put(nodeId, replica);
  }

  void remove(String nodeId, long blockId) {
    Map<String, BlockInfo> holders = replicas.get(blockId);
    if (holders != null) {
      holders.remove(nodeId);
      if (holders.isEmpty()) {
        replicas.remove(blockId);
      }
    }
    Set<String> bad = corrupt.get(blockId);
    if (bad != null) {
      bad.remove(nodeId);
      if (bad.isEmpty()) {
        corrupt.remove(blockId);
      }
    }
  }

  /** Forgets everything a node held: used before applying its full block report. */
  void removeNode(String nodeId) {
    for (long blockId : Set.copyOf(replicas.keySet())) {
      remove(nodeId, blockId);
    }
  }

  void markCorrupt(String nodeId, long blockId) {
    corrupt.computeIfAbsent(blockId, k -> new HashSet<>()).add(nodeId);
  }

  boolean isCorrupt(String nodeId, long blockId) {
    return corrupt.getOrDefault(blockId, Set.of()).contains(nodeId);
  }

  /** Holders of a block, whatever their replica's generation stamp or health. */
  Map<String, BlockInfo> holders(long blockId) {
    return replicas.getOrDefault(blockId, Map.of());
  }

  List<Long> blockIds() {
    return List.copyOf(replicas.keySet());
  }

  Set<String> corruptHolders(long blockId) {
    return corrupt.getOrDefault(blockId, Set.of());
  }
}
