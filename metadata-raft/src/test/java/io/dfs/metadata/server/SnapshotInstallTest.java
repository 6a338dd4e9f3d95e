package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.MkdirRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that was down while the others snapshotted and purged their logs catches up from the
 * leader's snapshot (the entries it missed are gone), then follows the log like the others.
 */
class SnapshotInstallTest {
  @TempDir Path dir;

  @Test
  void aPeerBehindThePurgedLogCatchesUpFromTheLeadersSnapshot() throws Exception {
    Map<String, String> settings = Map.of(
        MetadataServer.SNAPSHOT_THRESHOLD, "200",
        "raft.server.log.purge.gap", "100",
        "raft.server.log.segment.size.max", "64KB");
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3, settings);
         MetadataClient client = cluster.newClient("installer")) {
      String leader = cluster.leaderId();
      String behind = cluster.runningPeers().stream().filter(p -> !p.equals(leader)).findFirst().orElseThrow();
      cluster.stopPeer(behind);

      // blocking calls: one small entry each, so many entries and several snapshots
      for (int i = 0; i < 1_500; i++) {
        client.mkdir(MkdirRequest.newBuilder().setPath("/while-down/d" + i).setParents(true).build());
      }
      long purgedUpTo = cluster.peer(leader).division().getRaftLog().getStartIndex();
      assertThat(purgedUpTo).as("first index still in the leader's log").isGreaterThan(1);

      cluster.restartPeer(behind);
      await().atMost(Duration.ofSeconds(60))
          .until(() -> cluster.stateDigest(behind).equals(cluster.stateDigest(cluster.leaderId())));
      assertThat(cluster.peer(behind).stateMachine().getLatestSnapshot()).as("snapshot installed").isNotNull();

      // and it keeps following the log
      client.mkdir(MkdirRequest.newBuilder().setPath("/after/d").setParents(true).build());
      await().atMost(Duration.ofSeconds(30))
          .until(() -> cluster.stateDigest(behind).equals(cluster.stateDigest(cluster.leaderId())));
    }
  }

  /**
   * Seen on a local cluster: the leader was killed, the two others elected a new leader (whose
   * first entry begins a new log segment) and were stopped (each snapshots on stop, then purges
   * its log up to that segment); after a restart the old leader needed exactly the first entry
   * the new leader still has, whose predecessor is neither in its log nor its snapshot. Ratis'
   * log appender for that peer then died (NullPointerException "Previous TermIndex not found")
   * and the peer never caught up: the cluster ran on two peers without saying so.
   */
  @Test
  void aKilledLeaderCatchesUpAfterTheOthersRestarted() throws Exception {
    Map<String, String> settings = Map.of("raft.server.log.purge.gap", "100");
    String old;
    String successor;
    List<String> survivors;
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3, settings);
         MetadataClient client = cluster.newClient("before")) {
      for (int i = 0; i < 300; i++) {
        client.mkdir(MkdirRequest.newBuilder().setPath("/before/d" + i).setParents(true).build());
      }
      old = cluster.leaderId();
      survivors = cluster.runningPeers().stream().filter(p -> !p.equals(old)).toList();
      cluster.stopPeer(old);
      await().atMost(Duration.ofSeconds(30)).until(() -> !cluster.leaderId().equals(old));
      successor = cluster.leaderId();
    }
    try (MetadataTestCluster cluster = MetadataTestCluster.restartOn(dir, survivors)) {
      if (!cluster.leaderId().equals(successor)) {
        cluster.transferLeadership(successor); // the peer whose log now starts at its term's first entry
      }
      cluster.restartPeer(old);
      try (MetadataClient client = cluster.newClient("after")) {
        client.mkdir(MkdirRequest.newBuilder().setPath("/after/d").setParents(true).build());
      }
      await().atMost(Duration.ofSeconds(30))
          .until(() -> cluster.stateDigest(old).equals(cluster.stateDigest(cluster.leaderId())));
    }
  }
}
