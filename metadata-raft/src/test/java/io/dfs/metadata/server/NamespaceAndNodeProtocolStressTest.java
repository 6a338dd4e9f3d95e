package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.client.error.NoSpaceException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.ProtocolNode;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.NodeInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many small files written concurrently while storage nodes report the blocks they receive and
 * leadership moves back and forth: the namespace (Raft apply) and the leader's block service must
 * never wait on each other. The nodes here are node-protocol clients that report what the writers
 * hand them, so the reports race with the commits exactly as real nodes' do.
 */
class NamespaceAndNodeProtocolStressTest {
  private static final int WRITERS = 6;
  private static final int FILES_PER_WRITER = 60;

  @TempDir Path dir;

  @Test
  void smallFilesWithRacingReportsAndLeaderChangesCompleteWithoutDeadlock() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3,
        Map.of("dfs.block.size", "65536", "dfs.replication", "3", "dfs.heartbeat.interval.ms", "200"))) {
      List<ProtocolNode> nodes = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        nodes.add(new ProtocolNode(cluster, "n" + i));
      }
      try (MetadataClient setup = cluster.newClient("setup")) {
        setup.mkdir(MkdirRequest.newBuilder().setPath("/tree").setParents(true).build());
      }
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService pool = Executors.newCachedThreadPool();
      AtomicInteger transfers = new AtomicInteger();
      Future<?> leadership = pool.submit(() -> {
        while (running.get()) {
          Thread.sleep(1500);
          String leader = cluster.leaderId();
          String next = "m" + (1 + Integer.parseInt(leader.substring(1)) % 3);
          try {
            cluster.transferLeadership(next);
          } catch (TransferLeadershipException electedAnother) {
            // an election under load chose a third peer: leadership still moved
          }
          if (!cluster.leaderId().equals(leader)) {
            transfers.incrementAndGet();
          }
        }
        return null;
      });
      List<Future<Integer>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int id = w;
        writers.add(pool.submit(() -> writeFiles(cluster, id, nodes)));
      }
      try {
        for (Future<Integer> f : writers) {
          assertThat(f.get(4, TimeUnit.MINUTES)).isEqualTo(FILES_PER_WRITER);
        }
      } catch (TimeoutException e) {
        DeadlockCheck.assertNoDeadlock();
        throw new AssertionError("writers did not finish in 4 minutes", e);
      } finally {
        running.set(false);
        leadership.get(1, TimeUnit.MINUTES);
        pool.shutdownNow();
      }
      assertThat(transfers.get()).as("leadership moved during the run").isGreaterThanOrEqualTo(2);
      try (MetadataClient check = cluster.newClient("check")) {
        for (int w = 0; w < WRITERS; w++) {
          for (int f = 0; f < FILES_PER_WRITER; f++) {
            FileStatus s = check.stat("/tree/w" + w + "/f" + f);
            assertThat(s.getUnderConstruction()).as(s.getPath()).isFalse();
            assertThat(s.getLength()).as(s.getPath()).isEqualTo(100 + f);
          }
        }
      }
      for (ProtocolNode n : nodes) {
        n.close();
      }
    }
  }

  /** create, one block, report it from each target, complete: what a small-file writer does. */
  private static int writeFiles(MetadataTestCluster cluster, int id, List<ProtocolNode> nodes)
      throws Exception {
    try (MetadataClient client = cluster.newClient("writer-" + id)) {
      client.mkdir(MkdirRequest.newBuilder().setPath("/tree/w" + id).setParents(true).build());
      for (int f = 0; f < FILES_PER_WRITER; f++) {
        String path = "/tree/w" + id + "/f" + f;
        client.create(CreateFileRequest.newBuilder().setPath(path).setOverwrite(true).build());
        LocatedBlock lb = addBlockWaitingForNodes(client, path);
        BlockInfo written = lb.getBlock().toBuilder().setLength(100 + f).build();
        for (NodeInfo target : lb.getLocationsList()) {
          nodes.get(Integer.parseInt(target.getNodeId().substring(1)) - 1).received(written);
        }
        client.complete(CompleteFileRequest.newBuilder().setPath(path).setLast(written).build());
      }
      return FILES_PER_WRITER;
    }
  }

  /** As the real writer does: right after a leader change nodes are re-registering, so wait. */
  private static LocatedBlock addBlockWaitingForNodes(MetadataClient client, String path) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      try {
        return client.addBlock(AddBlockRequest.newBuilder().setPath(path).build());
      } catch (NoSpaceException e) {
        if (e.code() != ErrorCode.NOT_ENOUGH_NODES || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }
}
