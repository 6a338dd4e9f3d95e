package io.dfs.blockstore.server;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dfs.blockstore.heartbeat.CommandExecutor;
import io.dfs.blockstore.heartbeat.MetadataLink;
import io.dfs.blockstore.pipeline.DownstreamPool;
import io.dfs.blockstore.pipeline.PipelineReceiver;
import io.dfs.blockstore.scanner.BlockScanner;
import io.dfs.blockstore.storage.BlockStore;
import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.transfer.NodeServices;
import io.dfs.blockstore.transfer.TransferServer;
import io.dfs.client.block.NodeConnections;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.tls.ClusterTls;
import io.dfs.metadata.blocktokens.BlockTokenVerifier;
import io.dfs.metadata.nodeprotocol.NodeProtocolClient;
import io.dfs.observability.MetricsHttpServer;
import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.NodeInfo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A storage node: keeps replicas on local disks, serves them over Netty, reports to the metadata leader. */
@Command(name = "dfs node", mixinStandardHelpOptions = true, description = "Run one storage node.")
public final class StorageNode implements Closeable, Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(StorageNode.class);
  /** Pause between two replicas verified by the background scanner. */
  public static final String SCAN_TICK_MS = "dfs.storage.scan.tick.ms";

  /** Where and how a node runs. */
  public record Settings(String nodeId, String host, int port, List<Path> dataDirs, long capacity, int httpPort) {}

  @Option(names = "--config", required = true, description = "cluster.properties")
  private Path configFile;

  @Option(names = "--id", required = true, description = "this node's id (keys dfs.storage.<id>.*)")
  private String nodeIdOption;

  private final MetricRegistry metrics = new MetricRegistry();
  private Settings settings;
  private BlockStore store;
  private TransferServer transfer;
  private NodeProtocolClient metadata;
  private NodeConnections connections;
  private volatile MetadataLink link;
  private CommandExecutor commands;
  private BlockScanner scanner;
  private MetricsHttpServer http;

  public StorageNode() {}

  public static StorageNode start(ClusterConfig config, Settings settings) throws IOException, InterruptedException {
    StorageNode node = new StorageNode();
    node.startNode(config, settings);
    return node;
  }

  private void startNode(ClusterConfig config, Settings s) throws IOException, InterruptedException {
    this.settings = s;
    store = new BlockStore(s.dataDirs(), s.capacity());
    store.start();
    ClusterTls tls = ClusterTls.forIdentity(config, s.nodeId());
    connections = new NodeConnections(tls);
    metadata = new NodeProtocolClient(config, tls);
    long idleMs = config.get(TransferServer.IDLE_TIMEOUT).map(Long::parseLong)
        .orElse(TransferServer.DEFAULT_IDLE_TIMEOUT_MS);
    BlockTokenVerifier tokens = new BlockTokenVerifier(System::currentTimeMillis);
    transfer = new TransferServer(s.host(), s.port(), idleMs, group -> new NodeServices(s.nodeId(), tls, connections, store,
        group,
        new DownstreamPool(), b -> link.blockReceived(b), tokens, this::fetchBlockKeys, metrics));
    commands = new CommandExecutor(s.nodeId(), store, connections, b -> link.blockDeleted(b),
        () -> metrics.counter("replications").inc(), this::reportCorrupt);
    // metrics before registering: the leader keeps the address a node registered with (heartbeats
    // only update usage), and the dashboard finds the node's /metrics through it
    if (s.httpPort() > 0) {
      http = MetricsHttpServer.start(metrics, s.host(), s.httpPort(), tls);
    }
    link = new MetadataLink(metadata, store, this::info, commands, tokens::learn);
    link.start(config.heartbeatInterval());
    scanner = new BlockScanner(store, this::reportCorrupt);
    scanner.start(Duration.ofMillis(Long.parseLong(config.get(SCAN_TICK_MS).orElse("5000"))));
    metrics.register("storage.capacity", (Gauge<Long>) store::capacity);
    metrics.register("storage.used", (Gauge<Long>) store::used);
    metrics.register("storage.remaining", (Gauge<Long>) store::remaining);
    metrics.register("storage.blocks", (Gauge<Integer>) store::blockCount);
    LOG.info("storage node {} serving blocks on {}:{} from {}", s.nodeId(), s.host(), transfer.port(), s.dataDirs());
  }

  /** Keys arrive with heartbeats, which start right after the transfer port opens. */
  private CompletableFuture<Void> fetchBlockKeys() {
    MetadataLink l = link;
    return l == null ? CompletableFuture.completedFuture(null) : l.fetchKeys();
  }

  /**
   * A replica failed its checksums: tell the leader. Deleting it is the leader's call (it does once
   * a good copy exists elsewhere): when it is the only replica, some of its bytes may still be
   * the only copy anyone has.
   */
  private void reportCorrupt(Replica r) {
    metrics.counter("corrupt.replicas").inc();
    try {
      metadata.reportBadBlock(BadBlockReportRequest.newBuilder().setNodeId(settings.nodeId())
          .setBlock(r.block()).setReporter(settings.nodeId()).build());
    } catch (IOException e) {
      LOG.warn("could not report corrupt block {}: {}", r.block().getBlockId(), e.toString());
    }
  }

  public NodeInfo info() {
    return NodeInfo.newBuilder()
        .setNodeId(settings.nodeId())
        .setHost(settings.host())
        .setDataPort(transfer.port())
        .setHttpPort(http == null ? 0 : http.port())
        .setCapacityBytes(store.capacity())
        .setUsedBytes(store.used())
        .setRemainingBytes(store.remaining())
        .setBlockCount(store.blockCount())
        .setWriteBytesPerSec(metrics.meter("bytes.written").getOneMinuteRate())
        .setReadBytesPerSec(metrics.meter("bytes.read").getOneMinuteRate())
        .setActiveTransfers((int) metrics.counter(PipelineReceiver.TRANSFERS_ACTIVE).getCount())
        .setQueuedPackets((int) metrics.counter(PipelineReceiver.PACKETS_QUEUED).getCount())
        .build();
  }

  public String id() {
    return settings.nodeId();
  }

  public BlockStore store() {
    return store;
  }

  public BlockScanner scanner() {
    return scanner;
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  /** Stops at once: transfers in flight are cut, as when the node dies. */
  @Override
  public void close() throws IOException {
    for (AutoCloseable c : new AutoCloseable[] {scanner, link, commands, transfer, http, metadata, connections, store}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        LOG.debug("error while stopping", e);
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    ClusterConfig config = ClusterConfig.load(configFile);
    String prefix = "dfs.storage." + nodeIdOption + ".";
    String dirs = config.get(prefix + "dirs").orElseThrow(() -> new CommandLine.ParameterException(
        new CommandLine(this), "missing " + prefix + "dirs in " + configFile));
    Settings s = new Settings(nodeIdOption,
        config.get(prefix + "host").orElse("127.0.0.1"),
        Integer.parseInt(config.get(prefix + "port").orElse("0")),
        Arrays.stream(dirs.split(",")).map(String::trim).map(Path::of).toList(),
        Long.parseLong(config.get(prefix + "capacity").orElse("0")),
        Integer.parseInt(config.get(prefix + "http.port").orElse("0")));
    startNode(config, s);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close();
      } catch (IOException e) {
        LOG.warn("error while stopping", e);
      }
    }, "storage-node-shutdown"));
    Thread.currentThread().join();
    return 0;
  }

  public Optional<MetricsHttpServer> httpServer() {
    return Optional.ofNullable(http);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new StorageNode()).execute(args));
  }
}
