package io.dfs.metadata.server;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.tls.ClusterTls;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.blocktokens.BlockTokenIssuer;
import io.dfs.metadata.leases.LeaseManager;
import io.dfs.metadata.leases.LeaseRecovery;
import io.dfs.metadata.nodeprotocol.NodeProtocol;
import io.dfs.metadata.rpc.PeerRpcServer;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.observability.MetricsHttpServer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One metadata peer: a Ratis server holding the namespace, plus the leader's block management. */
@Command(name = "dfs meta", mixinStandardHelpOptions = true, description = "Run one metadata peer.")
public final class MetadataServer implements Closeable, Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataServer.class);
  /** Raft entries between automatic snapshots; the log up to a snapshot is then purged. */
  public static final String SNAPSHOT_THRESHOLD = "dfs.metadata.snapshot.threshold";
  /** A writer silent this long loses its files' leases: the leader completes them without it. */
  public static final String LEASE_HARD_LIMIT_MS = "dfs.lease.hard.limit.ms";
  /**
   * How long a file unlinked by one client is kept for processes on others that opened it just
   * before (a mount tells the leader which files it holds open only once they stay open a while).
   */
  public static final String UNLINKED_GRACE_MS = "dfs.metadata.unlinked.grace.ms";
  private static final long MONITOR_PERIOD_MS = 1000;

  @Option(names = "--config", required = true, description = "cluster.properties")
  private Path configFile;

  @Option(names = "--id", required = true, description = "this peer's id in dfs.metadata.peers")
  private String peerId;

  @Option(names = "--dir", description = "storage dir (default: dfs.metadata.<id>.dir)")
  private Path dirOption;

  private RaftServer server;
  private RaftGroup group;
  private NamespaceStateMachine stateMachine;
  private BlockManager blocks;
  private LeaseManager leases;
  private LeaseRecovery leaseRecovery;
  private BlockTokenIssuer tokens;
  private ClusterTls tls;
  private PeerRpcServer rpc;
  private ScheduledExecutorService monitor;
  private final MetricRegistry metrics = new MetricRegistry();

  public MetadataServer() {}

  /** Starts a peer; its Raft log and snapshots live under {@code dir}. */
  public static MetadataServer start(ClusterConfig config, String peerId, Path dir) throws IOException {
    MetadataServer s = new MetadataServer();
    s.startPeer(config, peerId, dir);
    return s;
  }

  private void startPeer(ClusterConfig config, String id, Path dir) throws IOException {
    PeerAddress self = config.peer(id);
    this.peerId = id;
    this.group = RaftGroups.of(config);
    this.blocks = new BlockManager(Clock.systemUTC(), config.deadNodeTimeout().toMillis(),
        config.heartbeatInterval().toMillis(), config.blockSize(), () -> stateMachine.blockTable());
    Map<String, String> http = new HashMap<>();
    for (PeerAddress p : config.metadataPeers()) {
      config.get("dfs.metadata." + p.id() + ".http.port")
          .ifPresent(port -> http.put(p.id(), p.host() + ":" + port));
    }
    ClusterStatusReport status = new ClusterStatusReport(() -> ClusterStatusReport.divisionOf(server, group.getGroupId()),
        () -> stateMachine, blocks, http);
    this.leases = new LeaseManager(Clock.systemUTC(),
        Long.parseLong(config.get(LEASE_HARD_LIMIT_MS).orElse("60000")));
    this.tokens = BlockTokenIssuer.fromConfig(config);
    this.tls = ClusterTls.forIdentity(config, id);
    this.leaseRecovery = new LeaseRecovery(config, id, () -> stateMachine, blocks, leases, tokens, tls,
        Long.parseLong(config.get(UNLINKED_GRACE_MS).orElse("10000")));
    this.stateMachine = new NamespaceStateMachine(blocks, leases, config.replication(), config.blockSize(), status,
        metrics);

    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, new RaftTransport());
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setPort(p, self.port());
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Linearizable reads on the leader's lease (majority heartbeat acks within 90% of the minimum
    // election timeout; safe while clocks run at about the same rate) instead of a ReadIndex round,
    // which waited up to half a second for the next heartbeat: stat p99 500 ms -> 20 ms.
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    // Elections in 1-2 s: quick failover, yet steady on a loaded 2-core machine.
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p,
        Long.parseLong(config.get(SNAPSHOT_THRESHOLD).orElse("50000")));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
    // Group commit: appends continue while an fsync runs; an entry still counts as flushed (and
    // is acknowledged) only after the fsync that covers it has completed.
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, true);
    // No commit-index entries: by default the leader appends one to the log each time the commit
    // index moves, which doubled the entries replicated and fsync'd per write (a small file in the
    // mount: ~4.2 entries -> 2.1, and a third less CPU on the peers). A restarted peer learns the
    // commit index from the leader instead of its own log; Raft needs no more.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // Operators may tune Ratis directly: any raft.* key in the cluster config is passed through.
    config.properties().stringPropertyNames().stream().filter(k -> k.startsWith("raft."))
        .forEach(k -> p.set(k, config.properties().getProperty(k)));

    this.server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(id))
        .setGroup(group)
        .setStateMachine(stateMachine)
        .setProperties(p)
        .setParameters(RaftTls.parameters(tls))
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    server.start();
    PeerAddress rpcAddress = config.rpcAddress(id);
    rpc = PeerRpcServer.start(rpcAddress.host(), rpcAddress.port(), new PeerRpcServer.Peer(id, group.getGroupId(),
        () -> server, this::isLeader, this::leaderId, stateMachine::answer, new NodeProtocol(blocks), tokens, tls,
        io.dfs.metadata.rpc.CallerIdentity.fromConfig(config), metrics));
    registerMetrics();
    monitor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replication-monitor-" + id);
      t.setDaemon(true);
      return t;
    });
    monitor.schedule(this::monitorPass, MONITOR_PERIOD_MS, TimeUnit.MILLISECONDS);
    LOG.info("metadata peer {} serving Raft on {} with storage {}", id, self.hostPort(), dir);
  }

  /**
   * One pass of the replication monitor and lease recovery, then the next one after
   * {@link #MONITOR_PERIOD_MS} or, when the namespace is large, after ten times as long as this
   * pass took: the monitor costs at most a tenth of a core however many blocks there are.
   */
  private void monitorPass() {
    long started = System.nanoTime();
    try {
      if (isLeader()) {
        leaseRecovery.takeBackDelegations();
        leaseRecovery.releaseSilentLocks();
        leaseRecovery.reapUnlinked();
        blocks.scan();
        if (!blocks.safeMode().on()) {
          leaseRecovery.pass();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("replication monitor pass failed", e);
    } finally {
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      metrics.histogram("blocks.monitor_pass_ms").update(tookMs);
      try {
        monitor.schedule(this::monitorPass, Math.max(MONITOR_PERIOD_MS, 10 * tookMs), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the peer is shutting down
      }
    }
  }

  private void registerMetrics() {
    metrics.register("namespace.writes_applied", stateMachine.writesApplied());
    metrics.register("namespace.reads_answered", stateMachine.readsAnswered());
    // retried calls that found their first attempt applied, and what the sessions hold for retries
    metrics.register("namespace.calls_replayed", stateMachine.callsReplayed());
    metrics.register("namespace.client_sessions", (Gauge<Long>) () -> stateMachine.sessionCounts()[0]);
    metrics.register("namespace.session_responses", (Gauge<Long>) () -> stateMachine.sessionCounts()[1]);
    metrics.register("raft.is_leader", (Gauge<Integer>) () -> isLeader() ? 1 : 0);
    metrics.register("locks.held", (Gauge<Integer>) stateMachine::lockCount);
    metrics.register("namespace.unlinked", (Gauge<Integer>) stateMachine::unlinkedCount);
    metrics.register("raft.term", (Gauge<Long>) () -> division().getInfo().getCurrentTerm());
    metrics.register("raft.commit_index", (Gauge<Long>) () -> division().getRaftLog().getLastCommittedIndex());
    metrics.register("raft.applied_index", (Gauge<Long>) () -> division().getInfo().getLastAppliedIndex());
    metrics.register("namespace.files", (Gauge<Long>) () -> stateMachine.counts()[0]);
    metrics.register("namespace.directories", (Gauge<Long>) () -> stateMachine.counts()[1]);
    metrics.register("namespace.blocks", (Gauge<Long>) () -> stateMachine.counts()[2]);
    metrics.register("blocks.under_replicated", (Gauge<Long>) () -> blocks.health().underReplicated());
    metrics.register("blocks.corrupt", (Gauge<Long>) () -> blocks.health().corrupt());
    metrics.register("blocks.missing", (Gauge<Long>) () -> blocks.health().missing());
    metrics.register("nodes.live", (Gauge<Long>) () -> blocks.nodes().stream()
        .filter(n -> n.getState() == io.dfs.proto.NodeState.LIVE).count());
    metrics.register("nodes.dead", (Gauge<Long>) () -> blocks.nodes().stream()
        .filter(n -> n.getState() == io.dfs.proto.NodeState.DEAD).count());
    // per node (JSON) and the worst (Prometheus), on the leader's clock
    metrics.register("nodes.heartbeat_lag_ms", (Gauge<Map<String, Long>>) () -> {
      Map<String, Long> lag = new java.util.TreeMap<>();
      long now = System.currentTimeMillis();
      blocks.nodes().forEach(n -> lag.put(n.getNodeId(), now - n.getLastHeartbeatMs()));
      return lag;
    });
    metrics.register("nodes.max_heartbeat_lag_ms", (Gauge<Long>) () -> blocks.nodes().stream()
        .filter(n -> n.getState() == io.dfs.proto.NodeState.LIVE)
        .mapToLong(n -> System.currentTimeMillis() - n.getLastHeartbeatMs()).max().orElse(0));
  }

  public String id() {
    return peerId;
  }

  /** The leader this peer knows of, or "" while there is none. */
  private String leaderId() {
    try {
      RaftPeerId leader = division().getInfo().getLeaderId();
      return leader == null ? "" : leader.toString();
    } catch (RuntimeException e) {
      return "";
    }
  }

  public boolean isLeader() {
    try {
      return division().getInfo().isLeader();
    } catch (RuntimeException e) {
      return false;
    }
  }

  public RaftServer.Division division() {
    return ClusterStatusReport.divisionOf(server, group.getGroupId());
  }

  public NamespaceStateMachine stateMachine() {
    return stateMachine;
  }

  public BlockManager blocks() {
    return blocks;
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  /** Forces a snapshot now (tests and operators); returns its log index. */
  public long takeSnapshot() throws IOException {
    return stateMachine.takeSnapshot();
  }

  @Override
  public void close() throws IOException {
    if (monitor != null) {
      monitor.shutdownNow();
    }
    if (leaseRecovery != null) {
      leaseRecovery.close();
    }
    if (rpc != null) {
      rpc.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Override
  public Integer call() throws Exception {
    ClusterConfig config = ClusterConfig.load(configFile);
    Path dir = dirOption != null ? dirOption : config.get("dfs.metadata." + peerId + ".dir").map(Path::of)
        .orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(this),
            "no --dir and no dfs.metadata." + peerId + ".dir in " + configFile));
    startPeer(config, peerId, dir);
    MetricsHttpServer.startIfConfigured(config, "dfs.metadata." + peerId + ".http.port", config.peer(peerId).host(),
        metrics, tls);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close();
      } catch (IOException e) {
        LOG.warn("error while stopping", e);
      }
    }, "metadata-shutdown"));
    Thread.currentThread().join();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MetadataServer()).execute(args));
  }
}
