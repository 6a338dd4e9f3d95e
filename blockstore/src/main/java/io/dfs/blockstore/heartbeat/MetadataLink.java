package io.dfs.blockstore.heartbeat;

import io.dfs.blockstore.storage.BlockStore;
import io.dfs.metadata.nodeprotocol.NodeProtocolClient;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockKey;
import io.dfs.proto.BlockReceivedRequest;
import io.dfs.proto.BlockReportRequest;
import io.dfs.proto.HeartbeatResponse;
import io.dfs.proto.NodeCommand;
import io.dfs.proto.NodeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage node's side of the node protocol: registers, heartbeats with its usage, reports
 * blocks (in full at start, when the leader asks and periodically; incrementally as they are
 * finalized or deleted), and hands the commands it gets back to {@code commands}.
 */
public final class MetadataLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataLink.class);
  private static final long FULL_REPORT_EVERY_MS = 10 * 60_000;
  /**
   * How long a finalized or deleted replica waits to share its report with others. Readers and
   * the replication monitor count a new block's pipeline nodes as holders until they report, so
   * nothing waits for this; at ~70 small files/s it makes ~200 reports a second across three
   * nodes into about thirty.
   */
  static final long INCREMENTAL_DELAY_MS = 100;

  private final NodeProtocolClient metadata;
  private final BlockStore store;
  private final Supplier<NodeInfo> self;
  private final Consumer<NodeCommand> commands;
  private final Consumer<List<BlockKey>> blockKeys;
  private CompletableFuture<Void> keyFetch = CompletableFuture.completedFuture(null); // guarded by this
  private final ConcurrentLinkedQueue<BlockInfo> received = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<BlockInfo> deleted = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean incrementalScheduled = new AtomicBoolean();
  private final String nodeId;
  private volatile boolean registered;
  private long lastFullReport;

  public MetadataLink(NodeProtocolClient metadata, BlockStore store, Supplier<NodeInfo> self,
      Consumer<NodeCommand> commands, Consumer<List<BlockKey>> blockKeys) {
    this.blockKeys = blockKeys;
    this.metadata = metadata;
    this.store = store;
    this.self = self;
    this.commands = commands;
    this.nodeId = self.get().getNodeId();
  }

  public void start(Duration interval) {
    timer.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A heartbeat now, for the leader's block keys (a token signed with a key this node has not
   * heard of: a new leader's). Callers asking while one is on its way share it.
   */
  public synchronized CompletableFuture<Void> fetchKeys() {
    if (keyFetch.isDone()) {
      keyFetch = CompletableFuture.runAsync(this::beat, timer);
    }
    return keyFetch;
  }

  public void blockReceived(BlockInfo block) {
    received.add(block);
    scheduleIncremental();
  }

  public void blockDeleted(BlockInfo block) {
    deleted.add(block);
    scheduleIncremental();
  }

  private void scheduleIncremental() {
    if (incrementalScheduled.compareAndSet(false, true)) {
      timer.schedule(() -> {
        incrementalScheduled.set(false); // what arrives from now on schedules the next report
        sendIncremental();
      }, INCREMENTAL_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }

  private void beat() {
    try {
      if (!registered) {
        metadata.register(self.get());
        registered = true;
        fullReport();
      }
      HeartbeatResponse r = metadata.heartbeat(self.get());
      if (r.getReregister()) {
        registered = false; // a new leader: register and report everything on the next beat
        beat();
        return;
      }
      blockKeys.accept(r.getBlockKeysList());
      sendIncremental();
      r.getCommandsList().forEach(commands);
      if (System.currentTimeMillis() - lastFullReport > FULL_REPORT_EVERY_MS) {
        fullReport();
      }
    } catch (Exception e) {
      LOG.debug("heartbeat failed: {}", e.toString());
      registered = false;
    }
  }

  private void fullReport() throws Exception {
    metadata.blockReport(BlockReportRequest.newBuilder().setNodeId(nodeId)
        .addAllBlocks(store.report()).build());
    lastFullReport = System.currentTimeMillis();
  }

  private void sendIncremental() {
    if (!registered || (received.isEmpty() && deleted.isEmpty())) {
      return;
    }
    List<BlockInfo> r = drain(received);
    List<BlockInfo> d = drain(deleted);
    try {
      metadata.blockReceived(BlockReceivedRequest.newBuilder().setNodeId(nodeId)
          .addAllReceived(r).addAllDeleted(d).build());
    } catch (Exception e) {
      received.addAll(r);
      deleted.addAll(d);
    }
  }

  private static List<BlockInfo> drain(ConcurrentLinkedQueue<BlockInfo> q) {
    List<BlockInfo> out = new ArrayList<>();
    for (BlockInfo b; (b = q.poll()) != null; ) {
      out.add(b);
    }
    return out;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
