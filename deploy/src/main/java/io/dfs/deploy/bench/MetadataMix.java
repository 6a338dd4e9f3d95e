package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What many applications do at once: {@code clients} processes' worth of clients (one each), one
 * thread each, calling the blocking file system API in a loop of mkdir, create+close of an empty
 * file (two writes), rename and stat: five namespace operations a round.
 */
final class MetadataMix {
  static final int OPS_PER_ROUND = 5;

  private MetadataMix() {}

  static double opsPerSecond(ClusterConfig config, int clients, Duration duration) throws Exception {
    List<DfsClient> fss = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      fss.add(new DfsClient(config, "bench-mix-" + i));
    }
    String root = "/bench-mix-" + System.nanoTime();
    fss.get(0).mkdirs(root);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicLong rounds = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> loops = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        DfsClient fs = fss.get(c);
        String mine = root + "/c" + c;
        loops.add(pool.submit(() -> {
          fs.mkdir(mine);
          for (long i = 0; running.get(); i++) {
            String dir = mine + "/d" + i;
            fs.mkdir(dir);
            try (OutputStream out = fs.create(dir + "/f", CreateOptions.defaults())) {
              // empty: the namespace's work only
            }
            fs.rename(dir + "/f", dir + "/g", false);
            fs.stat(dir + "/g");
            if (measuring.get()) {
              rounds.incrementAndGet();
            }
          }
          return null;
        }));
      }
      Thread.sleep(3_000); // warm up the JIT and the Raft pipelines
      measuring.set(true);
      long start = System.nanoTime();
      Thread.sleep(duration.toMillis());
      long count = rounds.get();
      double seconds = (System.nanoTime() - start) / 1e9;
      running.set(false);
      for (Future<?> f : loops) {
        f.get();
      }
      return count * OPS_PER_ROUND / seconds;
    } finally {
      pool.shutdownNow();
      for (DfsClient fs : fss) {
        fs.close();
      }
    }
  }
}
