package io.dfs.metadata.blocks;

import io.dfs.proto.NodeInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses storage nodes for new replicas: distinct live nodes with room for a whole block, the
 * least busy first. A random tie-break spreads blocks among equally loaded nodes.
 */
final class PlacementPolicy {
  private PlacementPolicy() {}

  static List<NodeInfo> choose(Collection<NodeInfo> live, int count, Set<String> exclude, long blockSize) {
    List<NodeInfo> candidates = new ArrayList<>();
    for (NodeInfo n : live) {
      if (!exclude.contains(n.getNodeId()) && n.getRemainingBytes() >= blockSize) {
        candidates.add(n);
      }
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    List<double[]> keys = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      NodeInfo n = candidates.get(i);
      double usedRatio = n.getCapacityBytes() == 0 ? 1 : (double) n.getUsedBytes() / n.getCapacityBytes();
      // active transfers dominate (spread concurrent writes), then fullness, then chance
      keys.add(new double[] {n.getActiveTransfers() + usedRatio + random.nextDouble() * 0.05, i});
    }
    keys.sort(Comparator.comparingDouble(k -> k[0]));
    List<NodeInfo> chosen = new ArrayList<>();
    for (int i = 0; i < keys.size() && chosen.size() < count; i++) {
      chosen.add(candidates.get((int) keys.get(i)[1]));
    }
    return chosen;
  }
}
