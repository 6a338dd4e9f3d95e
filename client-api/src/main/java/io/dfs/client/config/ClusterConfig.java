package io.dfs.client.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The settings every process of one cluster shares (metadata peers, storage nodes, clients, the
 * mount, the gateway), read from one properties file so a multi-host deployment copies a single
 * file everywhere. Per-process keys (a node's data dirs, ports) live in the same file under
 * {@code dfs.metadata.<id>.*} and {@code dfs.storage.<id>.*}; see docs/configuration.md.
 */
public record ClusterConfig(
    String raftGroupId,
    List<PeerAddress> metadataPeers,
    long blockSize,
    int replication,
    Duration heartbeatInterval,
    Duration deadNodeTimeout,
    Properties properties) {

  public static final String PEERS = "dfs.metadata.peers";
  public static final String GROUP_ID = "dfs.metadata.group.id";
  public static final String BLOCK_SIZE = "dfs.block.size";
  public static final String REPLICATION = "dfs.replication";
  public static final String HEARTBEAT_INTERVAL_MS = "dfs.heartbeat.interval.ms";
  public static final String DEAD_NODE_TIMEOUT_MS = "dfs.heartbeat.dead.timeout.ms";

  /** A fixed group id, so independently started peers of one cluster agree without coordination. */
  public static final String DEFAULT_GROUP_ID = "6466732d-6d65-7461-6461-74612d726166";
  public static final long DEFAULT_BLOCK_SIZE = 64L << 20;
  public static final int DEFAULT_REPLICATION = 3;

  public ClusterConfig {
    if (metadataPeers.isEmpty()) {
      throw new IllegalArgumentException(PEERS + " must list at least one peer");
    }
    if (blockSize <= 0 || replication <= 0) {
      throw new IllegalArgumentException("block size and replication must be positive");
    }
    metadataPeers = List.copyOf(metadataPeers);
  }

  public static ClusterConfig load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return fromProperties(p);
  }

  public static ClusterConfig fromProperties(Properties p) {
    String peers = p.getProperty(PEERS);
    if (peers == null || peers.isBlank()) {
      throw new IllegalArgumentException("missing " + PEERS + " (id=host:port,...)");
    }
    return new ClusterConfig(
        p.getProperty(GROUP_ID, DEFAULT_GROUP_ID),
        Arrays.stream(peers.split(",")).map(PeerAddress::parse).toList(),
        Long.parseLong(p.getProperty(BLOCK_SIZE, Long.toString(DEFAULT_BLOCK_SIZE))),
        Integer.parseInt(p.getProperty(REPLICATION, Integer.toString(DEFAULT_REPLICATION))),
        Duration.ofMillis(Long.parseLong(p.getProperty(HEARTBEAT_INTERVAL_MS, "1000"))),
        Duration.ofMillis(Long.parseLong(p.getProperty(DEAD_NODE_TIMEOUT_MS, "10000"))),
        p);
  }

  /** A config for peers on the given addresses with every other setting at its default. */
  public static ClusterConfig forPeers(List<PeerAddress> peers) {
    Properties p = new Properties();
    p.setProperty(PEERS, String.join(",", peers.stream().map(PeerAddress::toString).toList()));
    return fromProperties(p);
  }

  public ClusterConfig with(String key, String value) {
    Properties p = new Properties();
    p.putAll(properties);
    p.setProperty(key, value);
    return fromProperties(p);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(properties.getProperty(key));
  }

  /**
   * Where a metadata peer serves its RPC port (clients' namespace calls and the storage-node
   * protocol): {@code dfs.metadata.<id>.rpc.port}, by default three above its Raft port.
   */
  public PeerAddress rpcAddress(String id) {
    PeerAddress raft = peer(id);
    int port = get("dfs.metadata." + id + ".rpc.port").map(Integer::parseInt).orElse(raft.port() + 3);
    return new PeerAddress(id, raft.host(), port);
  }

  /** Every metadata peer's RPC port, in the order of {@link #metadataPeers()}. */
  public List<PeerAddress> rpcAddresses() {
    return metadataPeers.stream().map(p -> rpcAddress(p.id())).toList();
  }

  public PeerAddress peer(String id) {
    return metadataPeers.stream().filter(a -> a.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no metadata peer '" + id + "' in " + PEERS));
  }
}
