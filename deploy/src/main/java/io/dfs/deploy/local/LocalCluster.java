package io.dfs.deploy.local;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.tls.ClusterTls;
import io.dfs.deploy.process.ManagedProcess;
import io.dfs.metadata.security.ClusterCertificates;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.NodeState;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** Starts, watches and stops the processes of a {@link LocalClusterLayout}, in dependency order. */
public final class LocalCluster {
  static final List<String> JVM_OPTIONS = jvmOptions(Runtime.getRuntime().availableProcessors());
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final LocalClusterLayout layout;
  private final ClusterConfig config;
  private final PrintStream out;

  /**
   * One machine runs eight JVMs. With fewer cores than that, the optimizing (C2) compiler of each
   * JVM competes with the services for CPU for minutes after a start: measured on 2 cores, a tar of
   * 161 files into the mount took 13.2, 9.2, 7.9 ... 4.6 s over eight runs with C2 and 9.5, 5.0,
   * 3.6 ... 3.1 s with the quick (C1) compiler only. Hosts of a real cluster run one service each
   * and keep the default (see deploy/systemd).
   */
  static List<String> jvmOptions(int cores) {
    return cores < 8
        ? List.of("-Xmx1g", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1")
        : List.of("-Xmx1g", "-XX:+UseG1GC");
  }

  public LocalCluster(LocalClusterLayout layout, ClusterConfig config, PrintStream out) {
    this.layout = layout;
    this.config = config;
    this.out = out;
  }

  void startAll() throws IOException, InterruptedException {
    startCore();
    startFrontEnds();
  }

  /** Metadata peers and storage nodes: everything a client needs. */
  public void startCore() throws IOException, InterruptedException {
    for (ManagedProcess peer : layout.metadataPeers()) {
      start(peer);
    }
    waitFor("a metadata leader", () -> status() != null && !status().getLeaderId().isEmpty());
    for (ManagedProcess node : layout.storageNodes()) {
      start(node);
    }
    waitFor(layout.nodeIds().size() + " live storage nodes", () -> {
      ClusterStatusResponse s = status();
      return s != null && s.getNodesList().stream().filter(n -> n.getState() == NodeState.LIVE).count()
          >= layout.nodeIds().size();
    });
  }

  /** The gateway with its dashboard, and the mount where FUSE works. */
  void startFrontEnds() throws IOException, InterruptedException {
    start(layout.gateway());
    // HTTPS when the config asks for it (checked against the cluster's authority, as a user would)
    boolean https = ClusterCertificates.gatewayHttps(config);
    String dashboard = (https ? "https" : "http") + "://127.0.0.1:" + layout.gatewayPort() + "/";
    HttpClient http = https ? HttpClient.newBuilder().sslContext(ClusterTls.forClient(config).jdkContext()).build()
        : HttpClient.newHttpClient();
    waitFor("the gateway", () -> httpOk(http, dashboard));

    String mountLine;
    String missing = FuseSupport.whatIsMissing();
    if (missing == null) {
      Files.createDirectories(layout.mountPoint());
      start(layout.mount());
      waitFor("the FUSE mount", () -> FuseSupport.isMounted(layout.mountPoint()));
      mountLine = layout.mountPoint().toString();
    } else {
      mountLine = "not mounted: " + missing;
    }
    out.println();
    out.println("dfs is up");
    String token = Files.readString(layout.gatewayTokenFile()).trim();
    out.println("  dashboard   " + dashboard + "?token=" + token);
    out.println("  gateway     " + dashboard + " (POST /create_directory, /delete_directory, /upload_file, /download_file)");
    out.println("  token       " + layout.gatewayTokenFile() + " (mode 0600): curl -H \"Authorization: Bearer $(cat "
        + layout.gatewayTokenFile() + ")\" ...");
    out.println("  mount       " + mountLine);
    out.println("  config      " + layout.configFile());
    out.println("  cli         deploy/bin/dfs --config " + layout.configFile() + " ls /");
  }

  /** Blocks until every process has exited, reporting each exit (a killed node shows up here). */
  void watchUntilAllExit() throws InterruptedException {
    Set<String> reportedDown = new HashSet<>();
    while (true) {
      boolean anyAlive = false;
      for (ManagedProcess p : layout.all()) {
        if (p.isAlive()) {
          anyAlive = true;
          reportedDown.remove(p.name());
        } else if (reportedDown.add(p.name()) && !p.name().equals("mount")) {
          out.println(Instant.now() + " " + p.name() + " is not running (log: " + p.logFile() + ")");
        }
      }
      if (!anyAlive) {
        return;
      }
      Thread.sleep(1000);
    }
  }

  /** Unmounts first so no tool is left hanging on a mount whose servers are gone. */
  public void stopAll(Duration grace) {
    ManagedProcess mount = layout.mount();
    if (mount.isAlive()) {
      mount.stop(grace);
    }
    FuseSupport.unmountIfMounted(layout.mountPoint());
    layout.gateway().stop(grace);
    layout.storageNodes().forEach(p -> p.stop(grace));
    layout.metadataPeers().forEach(p -> p.stop(grace));
    out.println("stopped");
  }

  private void start(ManagedProcess p) throws IOException {
    long pid = p.start(JVM_OPTIONS);
    out.println("started " + p.name() + " (pid " + pid + ")");
  }

  private ClusterStatusResponse status() {
    try (MetadataClient client = MetadataClient.connect(config, "dfs-local")) {
      return client.clusterStatus();
    } catch (Exception e) {
      return null;
    }
  }

  private static boolean httpOk(HttpClient http, String url) {
    try {
      HttpResponse<Void> r = http.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() < 500;
    } catch (Exception e) {
      return false;
    }
  }

  private void waitFor(String what, BooleanSupplier ready) throws InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (!ready.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out waiting for " + what + "; see logs in "
            + layout.configFile().getParent().resolveSibling("logs"));
      }
      Thread.sleep(500);
    }
    out.println("ready: " + what);
  }
}
