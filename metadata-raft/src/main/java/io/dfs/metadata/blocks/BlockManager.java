package io.dfs.metadata.blocks;

import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockReceivedRequest;
import io.dfs.proto.BlockReportRequest;
import io.dfs.proto.DeleteBlocksCommand;
import io.dfs.proto.HeartbeatResponse;
import io.dfs.proto.NodeCommand;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.ReplicateBlockCommand;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's soft state about blocks: live storage nodes, where each replica is, and the commands
 * that bring every block back to its replication factor. Nothing here goes through the Raft log;
 * a new leader rebuilds it from heartbeats and full block reports, and waits one dead-node timeout
 * before acting on it, so it never mistakes "not reported yet" for "lost".
 */
public final class BlockManager {
  /** How long a replication command may take before the leader tries another source or target. */
  static final long REPLICATION_TIMEOUT_MS = 60_000;

  private final Clock clock;
  private final long deadAfterMs;
  private final long defaultBlockSize;
  private final NodeRegistry nodes;
  private final ReplicaMap replicas = new ReplicaMap();
  private final Map<String, List<NodeCommand>> pendingCommands = new HashMap<>();
  private final Map<Long, Long> replicationDeadlines = new HashMap<>();
  /** Pipelines of blocks being written: their replicas once committed, before any report arrives. */
  private final Map<Long, Set<String>> pipelines = new HashMap<>();
  private BlockCatalog catalog;
  private long actAfterMs;
  private BlockHealth lastHealth = BlockHealth.EMPTY;

  public BlockManager(Clock clock, long deadAfterMs, long defaultBlockSize) {
    this.clock = clock;
    this.deadAfterMs = deadAfterMs;
    this.defaultBlockSize = defaultBlockSize;
    this.nodes = new NodeRegistry(clock, deadAfterMs);
    this.actAfterMs = clock.millis() + deadAfterMs;
  }

  public synchronized void setCatalog(BlockCatalog catalog) {
    this.catalog = catalog;
  }

  /** Called when this peer becomes leader: soft state from an earlier term may be stale. */
  public synchronized void becameLeader() {
    actAfterMs = clock.millis() + deadAfterMs;
  }

  // ------------------------------------------------------------------ node protocol

  public synchronized void register(NodeInfo node) {
    nodes.register(node);
  }

  public synchronized HeartbeatResponse heartbeat(NodeInfo node) {
    if (!nodes.heartbeat(node)) {
      return HeartbeatResponse.newBuilder().setReregister(true).build();
    }
    List<NodeCommand> commands = pendingCommands.remove(node.getNodeId());
    return HeartbeatResponse.newBuilder().addAllCommands(commands == null ? List.of() : commands).build();
  }

  public synchronized void fullReport(BlockReportRequest report) {
    replicas.removeNode(report.getNodeId());
    for (BlockInfo b : report.getBlocksList()) {
      received(report.getNodeId(), b);
    }
  }

  public synchronized void incrementalReport(BlockReceivedRequest report) {
    for (BlockInfo b : report.getReceivedList()) {
      received(report.getNodeId(), b);
    }
    for (BlockInfo b : report.getDeletedList()) {
      replicas.remove(report.getNodeId(), b.getBlockId());
    }
  }

  public synchronized void badBlock(BadBlockReportRequest report) {
    if (replicas.holders(report.getBlock().getBlockId()).containsKey(report.getNodeId())) {
      replicas.markCorrupt(report.getNodeId(), report.getBlock().getBlockId());
    }
  }

  private void received(String nodeId, BlockInfo replica) {
    BlockCatalog.ExpectedBlock expected = catalog == null ? null : catalog.expected(replica.getBlockId());
    if (expected == null || replica.getGenerationStamp() < expected.block().getGenerationStamp()) {
      // an orphan (its file is gone) or a replica left behind by pipeline recovery
      enqueueDelete(nodeId, replica);
      return;
    }
    replicas.add(nodeId, replica);
  }

  // ------------------------------------------------------------------ placement and reads

  public synchronized List<NodeInfo> chooseTargets(int count, Set<String> exclude) {
    return PlacementPolicy.choose(nodes.live(), count, exclude, defaultBlockSize);
  }

  /** Targets for a new block, remembered as its pipeline. */
  public synchronized List<NodeInfo> allocate(long blockId, int count, Set<String> exclude) {
    List<NodeInfo> targets = chooseTargets(count, exclude);
    Set<String> pipeline = new java.util.LinkedHashSet<>();
    targets.forEach(n -> pipeline.add(n.getNodeId()));
    pipelines.put(blockId, pipeline);
    return targets;
  }

  /** Pipeline recovery: the failed nodes leave the block's pipeline and the replacements join it. */
  public synchronized List<NodeInfo> recover(long blockId, int replacements, Set<String> exclude,
      Set<String> failed) {
    List<NodeInfo> targets = chooseTargets(replacements, exclude);
    Set<String> pipeline = pipelines.computeIfAbsent(blockId, k -> new java.util.LinkedHashSet<>());
    pipeline.removeAll(failed);
    targets.forEach(n -> pipeline.add(n.getNodeId()));
    return targets;
  }

  /**
   * A block's final length and generation are committed: its pipeline holds it, so readers can be
   * sent there at once (close-to-open), before the nodes' own reports arrive and confirm it.
   */
  public synchronized void committed(BlockInfo block) {
    Set<String> pipeline = pipelines.remove(block.getBlockId());
    if (pipeline == null) {
      return;
    }
    for (String node : pipeline) {
      if (nodes.knows(node) && !replicas.holders(block.getBlockId()).containsKey(node)) {
        replicas.add(node, block);
      }
    }
  }

  /** Live, healthy replicas of the block's current generation, least busy first. */
  public synchronized List<NodeInfo> locationsOf(BlockInfo block) {
    List<NodeInfo> out = new ArrayList<>();
    for (var e : replicas.holders(block.getBlockId()).entrySet()) {
      if (isGood(e.getKey(), e.getValue(), block)) {
        out.add(nodes.get(e.getKey()));
      }
    }
    out.sort(Comparator.comparingInt(NodeInfo::getActiveTransfers));
    return out;
  }

  public synchronized boolean allReplicasCorrupt(BlockInfo block) {
    Map<String, BlockInfo> holders = replicas.holders(block.getBlockId());
    return !holders.isEmpty() && replicas.corruptHolders(block.getBlockId()).containsAll(holders.keySet());
  }

  public synchronized List<NodeInfo> nodes() {
    return nodes.all();
  }

  public synchronized BlockHealth health() {
    return lastHealth;
  }

  /** Count of good replicas of a block (the fsck view). */
  public synchronized int liveReplicas(BlockInfo block) {
    return locationsOf(block).size();
  }

  // ------------------------------------------------------------------ namespace changes

  /** A block no file references any more: delete every replica. */
  public synchronized void blockFreed(BlockInfo block) {
    pipelines.remove(block.getBlockId());
    for (var e : Map.copyOf(replicas.holders(block.getBlockId())).entrySet()) {
      enqueueDelete(e.getKey(), e.getValue());
      replicas.remove(e.getKey(), block.getBlockId());
    }
    replicationDeadlines.remove(block.getBlockId());
  }

  // ------------------------------------------------------------------ the replication monitor

  /**
   * One pass over every complete block: re-replicate what is below its factor, trim what is above,
   * drop corrupt replicas once enough good ones exist. Returns the health it found.
   */
  public synchronized BlockHealth scan() {
    if (catalog == null || clock.millis() < actAfterMs) {
      return lastHealth;
    }
    long now = clock.millis();
    long[] counts = new long[3]; // under-replicated, corrupt, missing
    catalog.forEachCompleteBlock(expected -> checkBlock(expected, now, counts));
    lastHealth = new BlockHealth(counts[0], counts[1], counts[2]);
    return lastHealth;
  }

  private void checkBlock(BlockCatalog.ExpectedBlock expected, long now, long[] counts) {
    BlockInfo block = expected.block();
    Map<String, BlockInfo> holders = replicas.holders(block.getBlockId());
    List<String> good = new ArrayList<>();
    List<String> corrupt = new ArrayList<>();
    for (var e : holders.entrySet()) {
      if (!nodes.isLive(e.getKey())) {
        continue;
      }
      if (isGood(e.getKey(), e.getValue(), block)) {
        good.add(e.getKey());
      } else {
        corrupt.add(e.getKey());
      }
    }
    int wanted = expected.replication();
    if (good.isEmpty()) {
      if (corrupt.isEmpty()) {
        counts[2]++;
      } else {
        counts[1]++;
      }
      return;
    }
    if (good.size() >= wanted) {
      corrupt.forEach(n -> dropReplica(n, holders.get(n)));
      replicationDeadlines.remove(block.getBlockId());
    }
    if (good.size() < wanted) {
      counts[0]++;
      if (!corrupt.isEmpty()) {
        counts[1]++;
      }
      Long deadline = replicationDeadlines.get(block.getBlockId());
      if (deadline != null && deadline > now) {
        return; // a copy is on its way
      }
      Set<String> exclude = new HashSet<>(holders.keySet());
      List<NodeInfo> targets = PlacementPolicy.choose(nodes.live(), wanted - good.size(), exclude,
          Math.max(block.getLength(), 1));
      if (targets.isEmpty()) {
        return;
      }
      String source = good.get((int) (block.getBlockId() % good.size()));
      enqueue(source, NodeCommand.newBuilder().setReplicate(ReplicateBlockCommand.newBuilder()
          .setBlock(block).addAllTargets(targets)).build());
      replicationDeadlines.put(block.getBlockId(), now + REPLICATION_TIMEOUT_MS);
    } else if (good.size() > wanted) {
      // trim the replicas on the fullest nodes
      good.sort(Comparator.comparingLong((String n) -> nodes.get(n).getRemainingBytes()));
      for (String n : good.subList(0, good.size() - wanted)) {
        dropReplica(n, holders.get(n));
      }
    }
  }

  private boolean isGood(String nodeId, BlockInfo replica, BlockInfo current) {
    return nodes.isLive(nodeId)
        && replica.getGenerationStamp() == current.getGenerationStamp()
        && !replicas.isCorrupt(nodeId, current.getBlockId());
  }

  private void dropReplica(String nodeId, BlockInfo replica) {
    enqueueDelete(nodeId, replica);
    replicas.remove(nodeId, replica.getBlockId());
  }

  private void enqueueDelete(String nodeId, BlockInfo replica) {
    enqueue(nodeId, NodeCommand.newBuilder()
        .setDelete(DeleteBlocksCommand.newBuilder().addBlocks(replica)).build());
  }

  private void enqueue(String nodeId, NodeCommand command) {
    pendingCommands.computeIfAbsent(nodeId, k -> new ArrayList<>()).add(command);
  }

  /** Commands waiting for each node's next heartbeat (for tests and the dashboard). */
  synchronized Map<String, List<NodeCommand>> pendingCommands() {
    Map<String, List<NodeCommand>> copy = new LinkedHashMap<>();
    pendingCommands.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }
}
