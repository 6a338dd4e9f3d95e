package io.dfs.client.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.config.ClusterConfig;
import io.dfs.metadata.testing.DeadlockCheck;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client writing many small files keeps its connection to the first node between blocks instead
 * of a new one per file; a kept connection that the node closed meanwhile (it restarted) costs a
 * retry on a new connection, never the node's exclusion: with a single node, an exclusion would
 * fail the write.
 */
class WriteConnectionReuseTest {
  @TempDir Path dir;

  private static byte[] write(DfsFileSystem fs, String path, int size, int seed) throws Exception {
    byte[] data = random(size, seed);
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      out.write(data);
    }
    return data;
  }

  private static void assertContent(DfsFileSystem fs, String path, byte[] data) throws Exception {
    try (InputStream in = fs.open(path)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void smallFilesShareAConnectionAndARestartedNodeIsNotBlamed() throws Exception {
    Map<String, String> s = new HashMap<>(MiniDfsCluster.fastSettings());
    s.put(ClusterConfig.REPLICATION, "1");
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 1, s, Map.of());
         DfsFileSystem fs = cluster.newFileSystem("reuser")) {
      cluster.awaitLiveNodes(1);
      fs.mkdirs("/r");
      write(fs, "/r/warm", 100, 0);
      long before = cluster.node(0).metrics().counter("transfer.connections_accepted").getCount();
      byte[] seventh = null;
      for (int i = 0; i < 30; i++) {
        byte[] data = write(fs, "/r/f" + i, 1000 + i, i);
        seventh = i == 7 ? data : seventh;
      }
      long opened = cluster.node(0).metrics().counter("transfer.connections_accepted").getCount() - before;
      assertThat(opened).as("connections for 30 files written one after another").isLessThanOrEqualTo(3);

      cluster.restartNode(0); // every kept connection to it is now closed by the node
      cluster.awaitLiveNodes(1);
      byte[] after = write(fs, "/r/after-restart", 5000, 99);
      assertContent(fs, "/r/after-restart", after);
      assertContent(fs, "/r/f7", seventh);
    }
    DeadlockCheck.assertNoDeadlock();
  }

  /**
   * The mount completes up to 32 files at once: every connection those pipelines opened is kept
   * for the next round instead of a new TLS connection per file past the first eight. One node,
   * so every block goes to it (with several, which node comes first is the leader's choice and a
   * node may need more connections in one round than before).
   */
  @Test
  void asManyWritersAtOnceAsTheMountRunsKeepTheirConnectionsForTheNextRound() throws Exception {
    Map<String, String> s = new HashMap<>(MiniDfsCluster.fastSettings());
    s.put(ClusterConfig.REPLICATION, "1");
    int writers = 24;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 1, s, Map.of());
         DfsFileSystem fs = cluster.newFileSystem("many")) {
      cluster.awaitLiveNodes(1);
      fs.mkdirs("/m");
      writeAtOnce(fs, pool, writers, "/m/a");
      long before = accepted(cluster);
      writeAtOnce(fs, pool, writers, "/m/b");
      long opened = accepted(cluster) - before;
      assertThat(opened).as("new connections for a second round of %d files written at once", writers)
          .isLessThanOrEqualTo(2);
      for (int i = 0; i < writers; i += 7) {
        assertContent(fs, "/m/b" + i, content(i));
      }
    } finally {
      pool.shutdownNow();
    }
    DeadlockCheck.assertNoDeadlock();
  }

  /** {@code n} small files whose blocks all go out together: every writer closes at the same moment. */
  private static void writeAtOnce(DfsFileSystem fs, ExecutorService pool, int n, String prefix) throws Exception {
    CyclicBarrier together = new CyclicBarrier(n);
    java.util.List<Future<?>> done = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      done.add(pool.submit(() -> {
        try (OutputStream out = fs.create(prefix + k, CreateOptions.defaults())) {
          out.write(content(k));
          together.await();
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }

  private static byte[] content(int k) {
    return random(2000 + k, k);
  }

  private static byte[] random(int size, int seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static long accepted(MiniDfsCluster cluster) {
    return cluster.node(0).metrics().counter("transfer.connections_accepted").getCount();
  }
}
