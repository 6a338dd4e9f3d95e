package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients racing on the same directories leave one consistent tree on every peer. */
class ConcurrentClientsTest {
  @TempDir Path dir;

  @Test
  void racingCreatesAndRenamesConvergeOnAllPeers() throws Exception {
    int clients = 4;
    int opsPerClient = 60;
    AtomicInteger created = new AtomicInteger();
    AtomicInteger races = new AtomicInteger();
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3)) {
      try (MetadataClient setup = cluster.newClient("setup")) {
        setup.mkdir(MkdirRequest.newBuilder().setPath("/race/a").setParents(true).build());
        setup.mkdir(MkdirRequest.newBuilder().setPath("/race/b").setParents(true).build());
      }
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int id = c;
        done.add(pool.submit(() -> {
          try (MetadataClient client = cluster.newClient("racer-" + id)) {
            for (int i = 0; i < opsPerClient; i++) {
              String name = "f" + (i % 10); // clients collide on the same names on purpose
              try {
                client.create(CreateFileRequest.newBuilder().setPath("/race/a/" + name + "-" + id).build());
                client.complete(CompleteFileRequest.newBuilder().setPath("/race/a/" + name + "-" + id).build());
                created.incrementAndGet();
                client.rename(RenameRequest.newBuilder().setSource("/race/a/" + name + "-" + id)
                    .setDestination("/race/b/" + name).setOverwrite(i % 2 == 0).build());
              } catch (PathExistsException | PathNotFoundException lostRace) {
                // another client took the name or moved the file first: legitimate outcomes of
                // the race; anything else (an internal apply failure included) fails the test
                races.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertThat(created.get()).isPositive();
      assertThat(races.get()).as("clients collided on names").isPositive();
      await().atMost(Duration.ofSeconds(60)).until(() -> cluster.runningPeers().stream()
          .map(cluster::stateDigest).distinct().count() == 1);
      try (MetadataClient check = cluster.newClient("check")) {
        long inA = check.list("/race/a", "", 0).getEntriesCount();
        long inB = check.list("/race/b", "", 0).getEntriesCount();
        assertThat(inB).isBetween(1L, 10L);
        assertThat(inA + inB).isLessThanOrEqualTo(created.get());
      }
    }
  }
}
