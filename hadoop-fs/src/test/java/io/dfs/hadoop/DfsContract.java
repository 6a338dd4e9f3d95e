package io.dfs.hadoop;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.testing.DeadlockCheck;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.contract.AbstractFSContract;

/**
 * dfs:// for Hadoop's contract tests: a real cluster (3 Raft peers, 3 storage nodes on loopback)
 * per test class, reached through {@code fs.dfs.contract.conf} like any deployment.
 */
public final class DfsContract extends AbstractFSContract {
  static final String CLUSTER = "contract";
  private static java.nio.file.Path dir;
  private static MiniDfsCluster cluster;
  private FileSystem fs;

  public DfsContract(Configuration conf) {
    super(conf);
    addConfResource("contract/dfs.xml");
  }

  public static synchronized void createCluster() throws IOException {
    dir = Files.createTempDirectory("dfs-contract");
    cluster = MiniDfsCluster.start(dir.resolve("cluster"), 3);
    try (Writer w = Files.newBufferedWriter(configFile())) {
      cluster.config().properties().store(w, "contract test cluster");
    }
  }

  /** Closes every client and the cluster, after checking that nothing deadlocked. */
  public static synchronized void destroyCluster() throws IOException {
    try {
      DeadlockCheck.assertNoDeadlock();
    } finally {
      FileSystem.closeAll();
      if (cluster != null) {
        cluster.close();
        cluster = null;
      }
      try (Stream<java.nio.file.Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static MiniDfsCluster cluster() {
    return cluster;
  }

  static java.nio.file.Path configFile() {
    return dir.resolve("cluster.properties");
  }

  /** A Hadoop configuration that reaches the test cluster as {@code dfs://contract/}. */
  static Configuration clientConf(Configuration base) {
    Configuration conf = new Configuration(base);
    conf.set("fs.dfs." + CLUSTER + ".conf", configFile().toString());
    conf.set("fs.AbstractFileSystem.dfs.impl", DfsHadoopFs.class.getName());
    return conf;
  }

  static URI uri() {
    return URI.create("dfs://" + CLUSTER + "/");
  }

  @Override
  public void init() throws IOException {
    super.init();
    Configuration conf = clientConf(getConf());
    fs = FileSystem.get(uri(), conf);
  }

  @Override
  public FileSystem getTestFileSystem() {
    return fs;
  }

  @Override
  public String getScheme() {
    return "dfs";
  }

  @Override
  public Path getTestPath() {
    return new Path("/test");
  }
}
