package io.dfs.metadata.blocks;

import io.dfs.client.error.DfsException;
import io.dfs.metadata.namespace.BlockTable;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's soft state about blocks: live storage nodes, where each replica is, and the commands
 * that bring every block back to its replication factor. Nothing here goes through the Raft log.
 *
 * <p>Concurrency: this object's monitor guards all of its state and is a leaf lock. It is never
 * held while calling out: what the namespace expects of a block comes from the lock-free
 * {@link BlockTable}, so Raft's apply thread and this service never wait for each other. The one
 * lock order in the metadata peer is: namespace lock, then this monitor (reads that report
 * locations hold the first while asking here); never the reverse.
 *
 * <p>Leadership: a peer that becomes leader discards everything it knew in earlier terms and starts
 * in {@link SafeMode}: nodes re-register (their heartbeats are answered with "register") and send
 * full reports, and nothing is deleted, trimmed or re-replicated until the leader has applied its
 * own term's first entry, a grace period has passed and enough blocks are reported.
 */
public final class BlockManager {
  private static final Logger LOG = LoggerFactory.getLogger(BlockManager.class);
  /** How long a replication command may take before the leader tries another source or target. */
  static final long REPLICATION_TIMEOUT_MS = 60_000;
  /** Share of complete blocks that must be reported before a new leader leaves safe mode. */
  static final double SAFE_MODE_THRESHOLD = 0.999;
  /** Blocks a replication pass checks per hold of this monitor. */
  static final int SCAN_CHUNK = 1000;

  private final Clock clock;
  private final long deadAfterMs;
  private final long heartbeatMs;
  private final long defaultBlockSize;
  private final Supplier<BlockTable> table;
  private NodeRegistry nodes;
  private ReplicaMap replicas = new ReplicaMap();
  private final Map<String, List<NodeCommand>> pendingCommands = new HashMap<>();
  /** A replication command on its way: until its deadline, unless one of its targets dies first. */
  private record CopyInFlight(long deadlineMs, List<String> targets) {}

  private final Map<Long, CopyInFlight> replicationDeadlines = new HashMap<>();
  private boolean leader;
  /** Changes with every gain or loss of leadership: a pass that began under another one stops. */
  private long leadershipEpoch;
  private boolean leaderReady;
  private long leaderSinceMs;
  private SafeMode safeMode = SafeMode.NOT_LEADER;
  private BlockHealth lastHealth = BlockHealth.EMPTY;

  /**
   * @param table the namespace's current block table (it changes when a snapshot is loaded)
   * @param heartbeatMs the nodes' heartbeat interval: a new leader gives them a few to re-register
   */
  public BlockManager(Clock clock, long deadAfterMs, long heartbeatMs, long defaultBlockSize,
      Supplier<BlockTable> table) {
    this.clock = clock;
    this.deadAfterMs = deadAfterMs;
    this.heartbeatMs = heartbeatMs;
    this.defaultBlockSize = defaultBlockSize;
    this.table = table;
    this.nodes = new NodeRegistry(clock, deadAfterMs);
  }

  // ------------------------------------------------------------------ leadership

  /** This peer now leads: whatever it knew from an earlier term may be stale, so it starts over. */
  public synchronized void becameLeader() {
    leadershipEpoch++;
    forgetEverything();
    leader = true;
    leaderReady = false;
    leaderSinceMs = clock.millis();
    safeMode = new SafeMode(true, "leader starting: nodes re-registering", 0, 0);
    LOG.info("became leader: block state discarded, in safe mode until nodes report");
  }

  /** The leader has applied its own term's first entry: its namespace is as current as the log. */
  public synchronized void leaderReady() {
    leaderReady = true;
  }

  public synchronized void lostLeadership() {
    leadershipEpoch++;
    forgetEverything();
    leader = false;
    safeMode = SafeMode.NOT_LEADER;
  }

  private void forgetEverything() {
    nodes = new NodeRegistry(clock, deadAfterMs);
    replicas = new ReplicaMap();
    pendingCommands.clear();
    replicationDeadlines.clear();
    lastHealth = BlockHealth.EMPTY;
  }

  public synchronized SafeMode safeMode() {
    return safeMode;
  }

  // ------------------------------------------------------------------ node protocol

  public synchronized void register(NodeInfo node) throws DfsException {
    nodes.register(node);
  }

  public synchronized HeartbeatResponse heartbeat(NodeInfo node) {
    if (!nodes.heartbeat(node)) {
      return HeartbeatResponse.newBuilder().setReregister(true).build();
    }
    List<NodeCommand> commands = pendingCommands.remove(node.getNodeId());
    return HeartbeatResponse.newBuilder().addAllCommands(commands == null ? List.of() : commands).build();
  }

  /** Everything a node holds. Ignored from a node that has not registered with this leader. */
  public synchronized void fullReport(BlockReportRequest report) {
    if (!nodes.knows(report.getNodeId())) {
      return;
    }
    replicas.removeNode(report.getNodeId());
    report.getBlocksList().forEach(b -> replicas.add(report.getNodeId(), b));
  }

  public synchronized void incrementalReport(BlockReceivedRequest report) {
    if (!nodes.knows(report.getNodeId())) {
      return;
    }
    report.getReceivedList().forEach(b -> replicas.add(report.getNodeId(), b));
    report.getDeletedList().forEach(b -> replicas.remove(report.getNodeId(), b.getBlockId()));
  }

  /** A reader or a node's scanner found a replica corrupt. Only this service decides to delete it. */
  public synchronized void badBlock(BadBlockReportRequest report) {
    long id = report.getBlock().getBlockId();
    BlockTable.Entry expected = table.get().get(id);
    // a reader may find a just-written replica corrupt before its node has reported it
    boolean inPipeline = expected != null && expected.pipeline().contains(report.getNodeId());
    if (replicas.holders(id).containsKey(report.getNodeId()) || inPipeline) {
      replicas.markCorrupt(report.getNodeId(), id);
    }
  }

  // ------------------------------------------------------------------ placement and reads

  /**
   * Nodes for a new block: distinct live nodes with room. Right after a leader change, while nodes
   * are still re-registering, it gives all {@code count} or none (the writer waits and asks again)
   * rather than put a block on the few nodes heard so far.
   */
  public synchronized List<NodeInfo> chooseTargets(int count, Set<String> exclude) {
    List<NodeInfo> chosen = PlacementPolicy.choose(nodes.live(), count, exclude, defaultBlockSize);
    if (!leader || (nodesRegistering(clock.millis()) && chosen.size() < count)) {
      return List.of();
    }
    return chosen;
  }

  /** Replacements for a broken pipeline: as many of {@code count} as there are, at any time (best effort). */
  public synchronized List<NodeInfo> chooseReplacements(int count, Set<String> exclude) {
    return leader ? PlacementPolicy.choose(nodes.live(), count, exclude, defaultBlockSize) : List.of();
  }

  /**
   * Live, healthy replicas of the block's current generation, least busy first, with the nodes of
   * its pipeline that have not reported it yet: all of them before any report (a block being
   * written), the missing ones for a few heartbeats after the block's commit (nodes batch their
   * reports; every pipeline node acknowledged every byte).
   */
  public synchronized List<NodeInfo> locationsOf(BlockInfo block) {
    List<NodeInfo> out = new ArrayList<>();
    Map<String, BlockInfo> holders = replicas.holders(block.getBlockId());
    for (var e : holders.entrySet()) {
      if (isGood(e.getKey(), e.getValue(), block)) {
        out.add(nodes.get(e.getKey()));
      }
    }
    BlockTable.Entry expected = table.get().get(block.getBlockId());
    if (expected != null && expected.block().getGenerationStamp() == block.getGenerationStamp()) {
      // pipeline nodes that have not reported yet (reports are batched): they hold every byte
      List<String> unreported = out.isEmpty() ? expected.pipeline()
          : pendingPipelineNodes(expected, holders.keySet(), clock.millis());
      for (String n : unreported) {
        if (nodes.isLive(n) && !replicas.isCorrupt(n, block.getBlockId())) {
          out.add(nodes.get(n));
        }
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

  /** Good replicas of a block (the fsck view), counting its pipeline until the nodes report. */
  public synchronized int liveReplicas(BlockInfo block) {
    return locationsOf(block).size();
  }

  /**
   * The last block of a file whose writer is gone, as far as its nodes finalized it: the shortest
   * good replica of its current generation (every byte in it was acknowledged by every survivor),
   * or null when no node reported one.
   */
  public synchronized BlockInfo finalizedReplica(BlockInfo current) {
    BlockInfo shortest = null;
    for (var e : replicas.holders(current.getBlockId()).entrySet()) {
      BlockInfo r = e.getValue();
      if (isGood(e.getKey(), r, current) && (shortest == null || r.getLength() < shortest.getLength())) {
        shortest = r;
      }
    }
    return shortest;
  }

  // ------------------------------------------------------------------ the replication monitor

  /**
   * One pass, on the leader: leaves safe mode when it may, then deletes replicas of freed blocks,
   * re-replicates what is below its factor, trims what is above and drops stale or corrupt
   * replicas of blocks that still have a good one. Returns the health it found.
   *
   * <p>The pass walks the block table {@link #SCAN_CHUNK} blocks at a time, taking this monitor
   * for each chunk only: block allocation, heartbeats and reports wait for one chunk at most, not
   * for a walk over every block (a create waited for whole passes before, ~50 ms at 15,000 blocks).
   * A leadership change during the pass ends it.
   */
  public BlockHealth scan() {
    long started;
    boolean act;
    long epoch;
    synchronized (this) {
      if (!leader) {
        return lastHealth;
      }
      started = clock.millis();
      act = !safeMode.on();
      epoch = leadershipEpoch;
    }
    long[] counts = new long[5]; // under-replicated, corrupt, missing, reported, complete
    BlockTable blocks = table.get();
    boolean whole = inChunks(blocks.entries().iterator(), epoch, expected -> {
      if (!expected.underConstruction()) {
        counts[4]++;
        checkBlock(expected, started, counts, act);
      }
    });
    if (whole && act) {
      List<Long> ids;
      synchronized (this) {
        ids = replicas.blockIds();
      }
      inChunks(ids.iterator(), epoch, id -> deleteIfOrphan(blocks, id));
    }
    synchronized (this) {
      if (leadershipEpoch != epoch) {
        return lastHealth;
      }
      lastHealth = new BlockHealth(counts[0], counts[1], counts[2]);
      if (safeMode.on()) {
        long now = clock.millis();
        safeMode = evaluateSafeMode(now, counts[3], counts[4]);
        if (!safeMode.on()) {
          LOG.info("leaving safe mode: {} of {} complete blocks reported after {} ms", counts[3], counts[4],
              now - leaderSinceMs);
        }
      }
      return lastHealth;
    }
  }

  private SafeMode evaluateSafeMode(long now, long reported, long complete) {
    long elapsed = now - leaderSinceMs;
    String waitingFor;
    if (!leaderReady) {
      waitingFor = "leader applying the log";
    } else if (nodesRegistering(now)) {
      waitingFor = "nodes re-registering";
    } else if (complete > 0 && reported < SAFE_MODE_THRESHOLD * complete && elapsed < deadAfterMs) {
      waitingFor = "block reports (" + reported + " of " + complete + " blocks)";
    } else {
      return new SafeMode(false, "", reported, complete);
    }
    return new SafeMode(true, waitingFor, reported, complete);
  }

  /** Right after a leader change: nodes are still finding it and re-registering (a few heartbeats). */
  private boolean nodesRegistering(long now) {
    return now - leaderSinceMs < 3 * heartbeatMs;
  }

  private void checkBlock(BlockTable.Entry expected, long now, long[] counts, boolean act) {
    BlockInfo block = expected.block();
    Map<String, BlockInfo> holders = replicas.holders(block.getBlockId());
    if (isHealthy(block, holders, expected.replication())) {
      counts[3]++;
      if (act) {
        replicationDeadlines.remove(block.getBlockId());
      }
      return;
    }
    List<String> good = new ArrayList<>();
    List<String> unusable = new ArrayList<>(); // stale generation or corrupt
    for (var e : holders.entrySet()) {
      if (nodes.isLive(e.getKey())) {
        (isGood(e.getKey(), e.getValue(), block) ? good : unusable).add(e.getKey());
      }
    }
    if (!good.isEmpty()) {
      counts[3]++;
    }
    List<String> pending = pendingPipelineNodes(expected, holders.keySet(), now);
    if (good.isEmpty()) {
      if (pending.isEmpty()) {
        counts[unusable.isEmpty() ? 2 : 1]++; // never delete the last copies, even corrupt ones
      }
      return;
    }
    int wanted = expected.replication();
    int effective = good.size() + pending.size();
    if (effective < wanted) {
      counts[0]++;
    }
    if (!act) {
      return;
    }
    // Nodes holding any replica are no targets this pass, the unusable ones included: their
    // delete is queued, and a copy sent now could land before it and be deleted with it.
    Set<String> exclude = new HashSet<>(holders.keySet());
    exclude.addAll(pending);
    // a good copy exists: replicas that can never serve go, so their nodes can take a good one
    unusable.forEach(n -> dropReplica(n, holders.get(n)));
    if (effective < wanted) {
      CopyInFlight copy = replicationDeadlines.get(block.getBlockId());
      if (copy != null && copy.deadlineMs() > now && copy.targets().stream().allMatch(nodes::isLive)) {
        return; // a copy is on its way (a target that died meanwhile cannot take it: choose again)
      }
      List<NodeInfo> targets = PlacementPolicy.choose(nodes.live(), wanted - effective, exclude,
          Math.max(block.getLength(), 1));
      if (targets.isEmpty()) {
        return;
      }
      String source = good.get((int) (block.getBlockId() % good.size()));
      enqueue(source, NodeCommand.newBuilder().setReplicate(ReplicateBlockCommand.newBuilder()
          .setBlock(block).addAllTargets(targets)).build());
      replicationDeadlines.put(block.getBlockId(), new CopyInFlight(now + REPLICATION_TIMEOUT_MS,
          targets.stream().map(NodeInfo::getNodeId).toList()));
    } else {
      replicationDeadlines.remove(block.getBlockId());
      if (good.size() > wanted) {
        // trim the replicas on the fullest nodes
        good.sort(Comparator.comparingLong((String n) -> nodes.get(n).getRemainingBytes()));
        for (String n : good.subList(0, good.size() - wanted)) {
          dropReplica(n, holders.get(n));
        }
      }
    }
  }

  /** The common case, decided without allocating: exactly the wanted number of good replicas, nothing else. */
  private boolean isHealthy(BlockInfo block, Map<String, BlockInfo> holders, int wanted) {
    if (holders.size() != wanted) {
      return false;
    }
    for (var e : holders.entrySet()) {
      if (!isGood(e.getKey(), e.getValue(), block)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Pipeline nodes of a just-committed block that have not reported it yet: they acknowledged its
   * last packet, so for a few heartbeats they count as holding it rather than trigger a copy.
   */
  private List<String> pendingPipelineNodes(BlockTable.Entry expected, Set<String> reporters, long now) {
    if (expected.committedMs() == 0 || now - expected.committedMs() > 3 * heartbeatMs + 1000) {
      return List.of();
    }
    return expected.pipeline().stream().filter(n -> !reporters.contains(n) && nodes.isLive(n)).toList();
  }

  /**
   * Runs {@code each} over {@code walk}, {@link #SCAN_CHUNK} items per hold of this monitor; false
   * when leadership changed (from {@code epoch}) before the walk ended.
   */
  private <T> boolean inChunks(Iterator<T> walk, long epoch, Consumer<T> each) {
    while (walk.hasNext()) {
      synchronized (this) {
        if (leadershipEpoch != epoch) {
          return false;
        }
        for (int i = 0; i < SCAN_CHUNK && walk.hasNext(); i++) {
          each.accept(walk.next());
        }
      }
    }
    return true;
  }

  /** Replicas of a block no file references any more (deleted, overwritten, abandoned) go. */
  private void deleteIfOrphan(BlockTable blocks, long id) {
    if (blocks.get(id) == null) {
      for (var e : Map.copyOf(replicas.holders(id)).entrySet()) {
        dropReplica(e.getKey(), e.getValue());
      }
      replicationDeadlines.remove(id);
    }
  }

  private boolean isGood(String nodeId, BlockInfo replica, BlockInfo current) {
    return nodes.isLive(nodeId)
        && replica.getGenerationStamp() == current.getGenerationStamp()
        && !replicas.isCorrupt(nodeId, current.getBlockId());
  }

  private void dropReplica(String nodeId, BlockInfo replica) {
    enqueue(nodeId, NodeCommand.newBuilder()
        .setDelete(DeleteBlocksCommand.newBuilder().addBlocks(replica)).build());
    replicas.remove(nodeId, replica.getBlockId());
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
