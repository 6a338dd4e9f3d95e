package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.tls.ClusterTls;
import io.dfs.deploy.local.LocalCluster;
import io.dfs.deploy.local.LocalClusterLayout;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What mutual TLS costs on the data path: the same replicated write and network read (no
 * short-circuit: those bytes never cross a socket) on the bench's cluster, which uses TLS, and on
 * a second cluster on the same machine in the clear.
 */
final class TlsCost {
  /** The client's JVM property that turns short-circuit reads off (docs/configuration.md). */
  private static final String SHORT_CIRCUIT = "dfs.client.read.shortcircuit";

  private TlsCost() {}

  record Result(DataThroughput.Result tls, DataThroughput.Result clear) {}

  static Result measure(DfsClient withTls, Path home, int basePort, long bytes, PrintStream out) throws Exception {
    String before = System.getProperty(SHORT_CIRCUIT);
    System.setProperty(SHORT_CIRCUIT, "false");
    try {
      DataThroughput.Result tls = DataThroughput.run(withTls, bytes);
      LocalClusterLayout layout = new LocalClusterLayout(home.resolve("clear"), home.resolve("clear-mnt"), basePort, 3);
      layout.writeConfigIfAbsent(Map.of(ClusterTls.DIR, ""));
      ClusterConfig config = ClusterConfig.load(layout.configFile());
      LocalCluster clearCluster = new LocalCluster(layout, config, out);
      try {
        clearCluster.startCore();
        try (DfsClient clear = new DfsClient(config, "bench-clear")) {
          return new Result(tls, DataThroughput.run(clear, bytes));
        }
      } finally {
        clearCluster.stopAll(Duration.ofSeconds(10));
      }
    } finally {
      if (before == null) {
        System.clearProperty(SHORT_CIRCUIT);
      } else {
        System.setProperty(SHORT_CIRCUIT, before);
      }
    }
  }
}
