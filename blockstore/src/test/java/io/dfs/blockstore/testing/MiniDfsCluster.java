package io.dfs.blockstore.testing;

import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.server.StorageNode;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.metadata.server.MetadataServer;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.NodeState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A whole cluster in one JVM for tests: three real metadata peers and real storage nodes on
 * loopback, free ports, data under a temp dir. Nodes can be stopped hard and restarted on the same
 * disks and port.
 */
public final class MiniDfsCluster implements AutoCloseable {
  private final Path dir;
  private final MetadataTestCluster metadata;
  private final List<StorageNode.Settings> settings = new ArrayList<>();
  private final List<StorageNode> nodes = new ArrayList<>();
  private final List<DfsFileSystem> clients = new ArrayList<>();

  private MiniDfsCluster(Path dir, MetadataTestCluster metadata) {
    this.dir = dir;
    this.metadata = metadata;
  }

  /** Settings that make tests quick: 1 MiB blocks, 300 ms heartbeats, dead after 3 s, unlinked files kept 2 s. */
  public static Map<String, String> fastSettings() {
    Map<String, String> s = new HashMap<>();
    s.put(ClusterConfig.BLOCK_SIZE, Integer.toString(1 << 20));
    s.put(ClusterConfig.HEARTBEAT_INTERVAL_MS, "300");
    s.put(ClusterConfig.DEAD_NODE_TIMEOUT_MS, "3000");
    s.put(MetadataServer.UNLINKED_GRACE_MS, "2000");
    return s;
  }

  public static MiniDfsCluster start(Path dir, int nodes) throws IOException {
    return start(dir, nodes, fastSettings(), Map.of());
  }

  /** {@code capacities} maps a node index to its capacity in bytes (default: the disk). */
  public static MiniDfsCluster start(Path dir, int nodes, Map<String, String> config, Map<Integer, Long> capacities)
      throws IOException {
    MiniDfsCluster c = new MiniDfsCluster(dir, MetadataTestCluster.start(dir.resolve("meta"), 3, config));
    java.util.Properties ports = new java.util.Properties();
    for (int i = 0; i < nodes; i++) {
      int port = MetadataTestCluster.freePort();
      ports.setProperty("n" + (i + 1), Integer.toString(port));
      c.settings.add(settings(dir, i, port, capacities.getOrDefault(i, 0L)));
    }
    try (var w = Files.newBufferedWriter(dir.resolve("nodes.properties"))) {
      ports.store(w, "storage node ports");
    }
    return c.startNodes();
  }

  /** Starts again, on the same disks and ports, a cluster that {@link #start} created in {@code dir}. */
  public static MiniDfsCluster restartOn(Path dir, int nodes) throws IOException {
    MiniDfsCluster c = new MiniDfsCluster(dir, MetadataTestCluster.restartOn(dir.resolve("meta"), 3));
    java.util.Properties ports = new java.util.Properties();
    try (var r = Files.newBufferedReader(dir.resolve("nodes.properties"))) {
      ports.load(r);
    }
    for (int i = 0; i < nodes; i++) {
      c.settings.add(settings(dir, i, Integer.parseInt(ports.getProperty("n" + (i + 1))), 0));
    }
    return c.startNodes();
  }

  private static StorageNode.Settings settings(Path dir, int i, int port, long capacity) throws IOException {
    return new StorageNode.Settings("n" + (i + 1), "127.0.0.1", port,
        List.of(dir.resolve("node" + (i + 1) + "/d1")), capacity, MetadataTestCluster.freePort());
  }

  private MiniDfsCluster startNodes() throws IOException {
    for (int i = 0; i < settings.size(); i++) {
      nodes.add(null);
      restartNode(i);
    }
    awaitLiveNodes(settings.size());
    return this;
  }

  public ClusterConfig config() {
    return metadata.config();
  }

  public MetadataTestCluster metadata() {
    return metadata;
  }

  public int nodeCount() {
    return nodes.size();
  }

  public StorageNode node(int i) {
    return nodes.get(i);
  }

  public DfsFileSystem newFileSystem(String clientId) {
    DfsFileSystem fs = new DfsClient(config(), clientId);
    clients.add(fs);
    return fs;
  }

  /** Stops a node at once: its connections drop mid-transfer, as when the machine dies. */
  public void stopNode(int i) throws IOException {
    StorageNode n = nodes.get(i);
    if (n != null) {
      n.close();
      nodes.set(i, null);
    }
  }

  public void restartNode(int i) throws IOException {
    stopNode(i);
    metadata.nodeTls(settings.get(i).nodeId()); // its certificate, issued on first start
    try {
      nodes.set(i, StorageNode.start(config(), settings.get(i)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public void awaitLiveNodes(int count) {
    try (DfsClient probe = new DfsClient(config(), "probe")) {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
          probe.clusterStatus().getNodesList().stream().filter(n -> n.getState() == NodeState.LIVE).count() >= count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The data file of a block's replica on node {@code i}, if it has one. */
  public Optional<Path> replicaFile(int i, long blockId) throws IOException {
    Path root = settings.get(i).dataDirs().get(0);
    if (!Files.exists(root)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().startsWith("blk_" + blockId + "_")
          && !p.getFileName().toString().endsWith(".meta") && p.toString().contains("finalized")).findFirst();
    }
  }

  /** Indexes of the nodes holding an unfinished replica of the block: its write pipeline. */
  public List<Integer> nodesWriting(long blockId) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < settings.size(); i++) {
      Path tmp = settings.get(i).dataDirs().get(0).resolve("tmp");
      if (Files.exists(tmp)) {
        try (Stream<Path> files = Files.list(tmp)) {
          if (files.anyMatch(p -> p.getFileName().toString().startsWith("blk_" + blockId + "_"))) {
            out.add(i);
          }
        }
      }
    }
    return out;
  }

  /** How many nodes hold a finalized replica of the block. */
  public int replicaCount(long blockId) throws IOException {
    int n = 0;
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) != null && nodes.get(i).store().get(blockId).isPresent()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    for (DfsFileSystem c : clients) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      try {
        stopNode(i);
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    metadata.close();
  }

  public Path dir() {
    return dir;
  }
}
