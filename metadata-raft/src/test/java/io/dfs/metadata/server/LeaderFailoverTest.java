package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.MkdirRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Losing the leader stops nothing and loses nothing; the old leader catches up when it returns. */
class LeaderFailoverTest {
  @TempDir Path dir;

  @Test
  void operationsContinueOnTheNewLeaderAndTheOldOneCatchesUp() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3);
         MetadataClient client = cluster.newClient("failover")) {
      for (int i = 0; i < 50; i++) {
        client.mkdir(MkdirRequest.newBuilder().setPath("/before/d" + i).setParents(true).build());
      }
      String oldLeader = cluster.leaderId();
      long oldTerm = cluster.peer(oldLeader).division().getInfo().getCurrentTerm();
      cluster.stopPeer(oldLeader);

      long start = System.nanoTime();
      client.mkdir(MkdirRequest.newBuilder().setPath("/after/first").setParents(true).build());
      long failoverMs = (System.nanoTime() - start) / 1_000_000;
      // the write was committed by a peer elected after the old leader died, not by the old one
      String newLeader = cluster.leaderId();
      assertThat(newLeader).isNotEqualTo(oldLeader);
      assertThat(cluster.runningPeers()).doesNotContain(oldLeader);
      assertThat(cluster.peer(newLeader).division().getInfo().getCurrentTerm()).isGreaterThan(oldTerm);
      // elections time out in 1-2 s; the client finds the new leader within its backoff: a stuck
      // client or an election that never settles shows up here
      assertThat(failoverMs).as("first write after leader loss, ms").isLessThan(15_000);

      for (int i = 0; i < 50; i++) {
        client.mkdir(MkdirRequest.newBuilder().setPath("/after/d" + i).setParents(true).build());
      }
      for (int i = 0; i < 50; i++) {
        assertThat(client.stat("/before/d" + i).getPath()).isEqualTo("/before/d" + i);
        assertThat(client.stat("/after/d" + i).getPath()).isEqualTo("/after/d" + i);
      }

      cluster.restartPeer(oldLeader);
      String leader = cluster.leaderId();
      await().atMost(Duration.ofSeconds(60))
          .until(() -> cluster.stateDigest(oldLeader).equals(cluster.stateDigest(leader)));
    }
  }
}
