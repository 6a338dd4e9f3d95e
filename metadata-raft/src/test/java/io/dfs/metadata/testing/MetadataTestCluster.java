package io.dfs.metadata.testing;

import static org.awaitility.Awaitility.await;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.metadata.security.CertificateAuthority;
import io.dfs.metadata.server.MetadataServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Real metadata peers on loopback for tests: free ports, storage under a temp dir, peers that can
 * be stopped hard and restarted on the same storage. Every connection uses mutual TLS with
 * certificates of a test authority under {@code dir/tls}, as a real cluster does, unless the
 * settings set {@code dfs.tls.dir} (empty: in the clear).
 */
public final class MetadataTestCluster implements AutoCloseable {
  /** Heartbeats every 200 ms and a node dead after 3 s of silence, for tests of node death and block state. */
  public static final Map<String, String> FAST_NODE_DEATH = Map.of(
      "dfs.heartbeat.interval.ms", "200", "dfs.heartbeat.dead.timeout.ms", "3000");

  private final Path dir;
  private final ClusterConfig config;
  private final Map<String, MetadataServer> running = new LinkedHashMap<>();

  private MetadataTestCluster(Path dir, ClusterConfig config) {
    this.dir = dir;
    this.config = config;
  }

  public static MetadataTestCluster start(Path dir, int peers) throws IOException {
    return start(dir, peers, Map.of());
  }

  /** Starts {@code peers} peers with extra config settings (e.g. a short dead-node timeout). */
  public static MetadataTestCluster start(Path dir, int peers, Map<String, String> settings) throws IOException {
    List<PeerAddress> addresses = new ArrayList<>();
    for (int i = 1; i <= peers; i++) {
      addresses.add(new PeerAddress("m" + i, "127.0.0.1", freePort()));
    }
    ClusterConfig config = ClusterConfig.forPeers(addresses);
    for (PeerAddress a : addresses) {
      config = config.with("dfs.metadata." + a.id() + ".rpc.port", Integer.toString(freePort()));
    }
    if (!settings.containsKey(ClusterTls.DIR)) {
      config = config.with(ClusterTls.DIR, dir.resolve("tls").toString());
    }
    for (var e : settings.entrySet()) {
      config = config.with(e.getKey(), e.getValue());
    }
    return launch(dir, config);
  }

  /** Starts again, on the same storage and ports, a cluster that {@link #start} created in {@code dir}. */
  public static MetadataTestCluster restartOn(Path dir, int peers) throws IOException {
    return launch(dir, ClusterConfig.load(dir.resolve("cluster.properties")));
  }

  /** Starts again only {@code peers} of a cluster that {@link #start} created in {@code dir}; the others stay down. */
  public static MetadataTestCluster restartOn(Path dir, java.util.Collection<String> peers) throws IOException {
    return launch(dir, ClusterConfig.load(dir.resolve("cluster.properties")), peers);
  }

  private static MetadataTestCluster launch(Path dir, ClusterConfig config) throws IOException {
    return launch(dir, config, config.metadataPeers().stream().map(PeerAddress::id).toList());
  }

  private static MetadataTestCluster launch(Path dir, ClusterConfig config, java.util.Collection<String> peers)
      throws IOException {
    java.nio.file.Files.createDirectories(dir);
    try (var w = java.nio.file.Files.newBufferedWriter(dir.resolve("cluster.properties"))) {
      config.properties().store(w, "test cluster");
    }
    MetadataTestCluster cluster = new MetadataTestCluster(dir, config);
    cluster.tls(new ServiceIdentity(ClusterTls.DEFAULT_CLIENT_IDENTITY, ServiceIdentity.Role.CLIENT));
    for (PeerAddress a : config.metadataPeers()) {
      cluster.tls(new ServiceIdentity(a.id(), ServiceIdentity.Role.PEER));
    }
    for (String id : peers) {
      cluster.restartPeer(id);
    }
    cluster.leaderId();
    return cluster;
  }

  public ClusterConfig config() {
    return config;
  }

  /**
   * The TLS of {@code identity} in this cluster, its certificate issued (for loopback) on first
   * use; plaintext when the cluster runs in the clear.
   */
  public ClusterTls tls(ServiceIdentity identity) {
    Optional<String> tlsDir = config.get(ClusterTls.DIR).filter(d -> !d.isBlank());
    if (tlsDir.isEmpty()) {
      return ClusterTls.plaintext();
    }
    try {
      synchronized (MetadataTestCluster.class) {
        if (!java.nio.file.Files.exists(ClusterTls.certificateFile(Path.of(tlsDir.get()), identity.name()))) {
          CertificateAuthority.openOrCreate(Path.of(tlsDir.get())).issue(identity, List.of("127.0.0.1"));
        }
      }
      return ClusterTls.load(Path.of(tlsDir.get()), identity.name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A storage node's TLS (its certificate names it). */
  public ClusterTls nodeTls(String nodeId) {
    return tls(new ServiceIdentity(nodeId, ServiceIdentity.Role.NODE));
  }

  public MetadataClient newClient(String clientId) {
    return MetadataClient.connect(config, clientId);
  }

  /** Waits until one running peer is leader and returns its id. */
  public String leaderId() {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(this::currentLeader, Optional::isPresent).orElseThrow();
  }

  private Optional<String> currentLeader() {
    return running.values().stream().filter(MetadataServer::isLeader).map(MetadataServer::id).findFirst();
  }

  public MetadataServer peer(String id) {
    MetadataServer s = running.get(id);
    if (s == null) {
      throw new IllegalStateException("peer " + id + " is not running");
    }
    return s;
  }

  public List<String> runningPeers() {
    return List.copyOf(running.keySet());
  }

  /** Stops a peer at once, as a crash would from the others' point of view. */
  public void stopPeer(String id) throws IOException {
    MetadataServer s = running.remove(id);
    if (s != null) {
      s.close();
    }
  }

  /** Starts (or starts again) a peer on its own storage dir. */
  public void restartPeer(String id) throws IOException {
    stopPeer(id);
    running.put(id, MetadataServer.start(config, id, dir.resolve(id)));
  }

  /** Asks the current leader to hand leadership to {@code to}; waits until {@code to} leads. */
  public void transferLeadership(String to) throws IOException {
    try (org.apache.ratis.client.RaftClient admin = org.apache.ratis.client.RaftClient.newBuilder()
        .setProperties(new org.apache.ratis.conf.RaftProperties())
        .setParameters(io.dfs.metadata.server.RaftTls.parameters(
            tls(new ServiceIdentity("admin", ServiceIdentity.Role.CLIENT))))
        .setRaftGroup(io.dfs.metadata.server.RaftGroups.of(config)).build()) {
      var reply = admin.admin().transferLeadership(org.apache.ratis.protocol.RaftPeerId.valueOf(to), 10_000);
      if (!reply.isSuccess()) {
        throw new IOException("leadership transfer to " + to + " failed: " + reply);
      }
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> running.containsKey(to) && running.get(to).isLeader());
  }

  public String stateDigest(String id) {
    return peer(id).stateMachine().digest();
  }

  /** Stops every peer, then fails if any threads of this JVM are deadlocked. */
  @Override
  public void close() {
    DeadlockCheck.assertNoDeadlock();
    for (String id : List.copyOf(running.keySet())) {
      try {
        stopPeer(id);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Ports handed out in this JVM: never twice, even after the test that took one closed it. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port free now, below the kernel's ephemeral range (32768 and up), which outgoing
   * connections draw their local ports from: a port taken from that range could be grabbed by any
   * client connection before the server binds it ("Address already in use", and Ratis then exits
   * the JVM).
   */
  public static int freePort() throws IOException {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = 20000 + random.nextInt(12000);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // taken by something else: try another
      }
    }
    throw new IOException("no free port found between 20000 and 32000");
  }
}
