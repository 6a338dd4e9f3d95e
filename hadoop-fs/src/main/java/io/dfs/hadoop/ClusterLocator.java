package io.dfs.hadoop;

import io.dfs.client.config.ClusterConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;

/**
 * Finds the cluster a {@code dfs://<name>/} URI names. The name is a logical cluster name, not a
 * host: a Raft group has three peers and any of them may lead. Its settings come from the Hadoop
 * configuration:
 * <ul>
 *   <li>{@code fs.dfs.<name>.conf}: the cluster's properties file, the same one every process of
 *       the cluster reads ({@code ./data/conf/cluster.properties} for {@code dfs local start});</li>
 *   <li>{@code fs.dfs.<name>.<key>}: sets or overrides the cluster key {@code dfs.<key>}, e.g.
 *       {@code fs.dfs.prod.metadata.peers=m1=h1:9870,m2=h2:9870,m3=h3:9870}.</li>
 * </ul>
 */
final class ClusterLocator {
  static final String SCHEME = "dfs";

  private ClusterLocator() {}

  static ClusterConfig locate(URI uri, Configuration conf) throws IOException {
    String name = uri.getAuthority();
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a dfs URI names its cluster, as in dfs://<name>/path: " + uri);
    }
    String prefix = "fs." + SCHEME + "." + name + ".";
    Properties p = new Properties();
    String file = conf.getTrimmed(prefix + "conf");
    if (file != null) {
      try (Reader r = Files.newBufferedReader(Path.of(file))) {
        p.load(r);
      }
    }
    for (Map.Entry<String, String> e : conf.getPropsWithPrefix(prefix).entrySet()) {
      if (!e.getKey().equals("conf")) {
        p.setProperty("dfs." + e.getKey(), e.getValue());
      }
    }
    if (p.getProperty(ClusterConfig.PEERS) == null) {
      throw new IOException("no settings for cluster '" + name + "': set " + prefix + "conf to its "
          + "cluster.properties, or " + prefix + "metadata.peers");
    }
    return ClusterConfig.fromProperties(p);
  }
}
