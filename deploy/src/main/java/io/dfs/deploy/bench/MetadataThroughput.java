package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MkdirRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Create+complete pairs per second against the metadata peers: {@code clients} Ratis clients,
 * each keeping {@code inFlight} pairs outstanding, so log appends are batched as in production.
 */
final class MetadataThroughput {
  private MetadataThroughput() {}

  static double run(ClusterConfig config, int clients, int inFlight, Duration duration) throws Exception {
    List<MetadataClient> cs = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      cs.add(MetadataClient.connect(config, "bench-" + i));
    }
    String dir = "/bench-meta-" + System.nanoTime();
    cs.get(0).mkdir(MkdirRequest.newBuilder().setPath(dir).build());
    AtomicLong done = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    // warm up the JIT and the Raft pipelines before measuring
    long warmupEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    long[] measuredFrom = new long[1];
    for (MetadataClient c : cs) {
      for (int j = 0; j < inFlight; j++) {
        CompletableFuture<Void> loop = new CompletableFuture<>();
        loops.add(loop);
        next(c, dir, seq, done, running, loop);
      }
    }
    while (System.nanoTime() < warmupEnd) {
      Thread.sleep(50);
    }
    long startCount = done.get();
    measuredFrom[0] = System.nanoTime();
    Thread.sleep(duration.toMillis());
    long count = done.get() - startCount;
    double seconds = (System.nanoTime() - measuredFrom[0]) / 1e9;
    running.set(false);
    for (CompletableFuture<Void> l : loops) {
      l.join();
    }
    for (MetadataClient c : cs) {
      c.close();
    }
    return count / seconds;
  }

  private static void next(MetadataClient c, String dir, AtomicLong seq, AtomicLong done, AtomicBoolean running,
      CompletableFuture<Void> loop) {
    if (!running.get()) {
      loop.complete(null);
      return;
    }
    String path = dir + "/f" + seq.incrementAndGet();
    c.writeAsync(MetaRequest.newBuilder().setCreate(CreateFileRequest.newBuilder().setPath(path)
            .setClientId(c.clientId())).build())
        .thenCompose(r -> c.writeAsync(MetaRequest.newBuilder().setComplete(CompleteFileRequest.newBuilder()
            .setPath(path).setClientId(c.clientId())).build()))
        .whenComplete((r, e) -> {
          if (e == null) {
            done.incrementAndGet();
          }
          next(c, dir, seq, done, running, loop);
        });
  }

  /** Milliseconds from killing the leader until the next write succeeds. */
  static long failoverMillis(ClusterConfig config, Runnable killLeader) throws IOException {
    try (MetadataClient c = MetadataClient.connect(config, "bench-failover")) {
      c.mkdir(MkdirRequest.newBuilder().setPath("/bench-failover-" + System.nanoTime()).build());
      killLeader.run();
      long start = System.nanoTime();
      c.mkdir(MkdirRequest.newBuilder().setPath("/bench-failover-" + System.nanoTime()).build());
      return (System.nanoTime() - start) / 1_000_000;
    }
  }
}
