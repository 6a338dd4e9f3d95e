package io.dfs.deploy.local;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.tls.ClusterTls;
import io.dfs.deploy.process.ManagedProcess;
import io.dfs.deploy.process.ProcessSpec;
import io.dfs.metadata.security.ClusterCertificates;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Where a one-machine cluster keeps everything, and which processes it runs: three metadata
 * peers, {@code nodes} storage nodes, the gateway with the dashboard, and the FUSE mount. Ports
 * are fixed offsets from {@code basePort} so URLs stay the same from run to run, and the config is
 * written once, so data persists across runs.
 */
public final class LocalClusterLayout {
  static final String METADATA_SERVER = "io.dfs.metadata.server.MetadataServer";
  static final String STORAGE_NODE = "io.dfs.blockstore.server.StorageNode";
  static final String GATEWAY = "io.dfs.deploy.gateway.GatewayServer";
  static final String MOUNT = "io.dfs.fuse.MountCommand";

  private final Path home;
  private final Path mountPoint;
  private final int basePort;
  private final int nodes;

  public LocalClusterLayout(Path home, Path mountPoint, int basePort, int nodes) {
    this.home = home.toAbsolutePath().normalize();
    this.mountPoint = mountPoint.toAbsolutePath().normalize();
    this.basePort = basePort;
    this.nodes = nodes;
  }

  public Path configFile() {
    return home.resolve("conf/cluster.properties");
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** The gateway's bearer token (mode 0600), made by the gateway's first start. */
  public Path gatewayTokenFile() {
    return home.resolve("gateway.token");
  }

  public int gatewayPort() {
    return basePort;
  }

  public List<String> metadataIds() {
    return List.of("m1", "m2", "m3");
  }

  public List<String> nodeIds() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      ids.add("n" + i);
    }
    return ids;
  }

  /** The cluster's certificate authority and every process's certificate. */
  public Path tlsDir() {
    return home.resolve("tls");
  }

  /**
   * Writes the cluster config unless one exists (an existing cluster keeps its settings and
   * data), then issues the certificates it calls for that are missing.
   */
  public void writeConfigIfAbsent() throws IOException {
    writeConfigIfAbsent(java.util.Map.of());
  }

  /** As {@link #writeConfigIfAbsent()}, with some settings changed (tests use short timeouts). */
  public void writeConfigIfAbsent(java.util.Map<String, String> overrides) throws IOException {
    if (!Files.exists(configFile())) {
      writeConfig(overrides);
    }
    ClusterCertificates.issueMissing(ClusterConfig.load(configFile()));
  }

  private void writeConfig(java.util.Map<String, String> overrides) throws IOException {
    Properties p = new Properties();
    List<String> peers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = metadataIds().get(i);
      peers.add(id + "=127.0.0.1:" + (basePort + 61 + i));
      p.setProperty("dfs.metadata." + id + ".dir", home.resolve("meta/" + id).toString());
      p.setProperty("dfs.metadata." + id + ".http.port", Integer.toString(basePort + 71 + i));
      p.setProperty("dfs.metadata." + id + ".rpc.port", Integer.toString(basePort + 64 + i));
    }
    p.setProperty("dfs.metadata.peers", String.join(",", peers));
    for (int i = 0; i < nodes; i++) {
      String id = nodeIds().get(i);
      p.setProperty("dfs.storage." + id + ".host", "127.0.0.1");
      p.setProperty("dfs.storage." + id + ".port", Integer.toString(basePort + 81 + i));
      p.setProperty("dfs.storage." + id + ".http.port", Integer.toString(basePort + 91 + i));
      p.setProperty("dfs.storage." + id + ".dirs", home.resolve("storage/" + id).toString());
    }
    p.setProperty("dfs.gateway.host", "127.0.0.1");
    p.setProperty("dfs.gateway.port", Integer.toString(gatewayPort()));
    p.setProperty("dfs.gateway.token.file", gatewayTokenFile().toString());
    p.setProperty("dfs.gateway.users.file", home.resolve("gateway.users").toString());
    p.setProperty("dfs.mount.http.port", Integer.toString(basePort + 99));
    p.setProperty(ClusterTls.DIR, tlsDir().toString());
    p.setProperty("dfs.replication", "3");
    p.setProperty("dfs.heartbeat.interval.ms", "1000");
    p.setProperty("dfs.heartbeat.dead.timeout.ms", "10000");
    p.putAll(overrides);
    Files.createDirectories(configFile().getParent());
    try (Writer w = Files.newBufferedWriter(configFile())) {
      p.store(w, "dfs local cluster (written by 'dfs local start'; edit freely, it is kept)");
    }
  }

  /** The data directory of a storage node. */
  public Path storageDir(String nodeId) {
    return home.resolve("storage/" + nodeId);
  }

  public List<ManagedProcess> metadataPeers() {
    return metadataIds().stream()
        .map(id -> managed(new ProcessSpec(id, METADATA_SERVER, List.of("--config", conf(), "--id", id))))
        .toList();
  }

  public List<ManagedProcess> storageNodes() {
    return nodeIds().stream()
        .map(id -> managed(new ProcessSpec(id, STORAGE_NODE, List.of("--config", conf(), "--id", id))))
        .toList();
  }

  public ManagedProcess gateway() {
    return managed(new ProcessSpec("gateway", GATEWAY, List.of("--config", conf())));
  }

  public ManagedProcess mount() {
    return managed(new ProcessSpec("mount", MOUNT, List.of("--config", conf(), mountPoint.toString())));
  }

  /** Every process in start order. */
  public List<ManagedProcess> all() {
    List<ManagedProcess> all = new ArrayList<>(metadataPeers());
    all.addAll(storageNodes());
    all.add(gateway());
    all.add(mount());
    return all;
  }

  /** A process by name (m1, n2, gateway, mount) or a storage node by number. */
  public ManagedProcess byName(String name) {
    String wanted = name.matches("\\d+") ? "n" + name : name;
    return all().stream().filter(p -> p.name().equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no process '" + name + "'; known: "
            + all().stream().map(ManagedProcess::name).toList()));
  }

  private ManagedProcess managed(ProcessSpec spec) {
    return new ManagedProcess(spec, home.resolve("run"), home.resolve("logs"));
  }

  private String conf() {
    return configFile().toString();
  }
}
