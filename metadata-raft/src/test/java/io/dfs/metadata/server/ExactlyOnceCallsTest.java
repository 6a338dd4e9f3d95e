package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.RawCalls;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes reach the log through the leader's group commit, exactly once per call however often a
 * client sends it: on the same leader, on a new leader after the old one died, and never again
 * once the client said it has the answer.
 */
class ExactlyOnceCallsTest {
  @TempDir Path dir;

  private static ClientCall rename(long callId, long answeredBelow, String from, String to) {
    return ClientCall.newBuilder().setClientId("raw-client").setCallId(callId).setAnsweredBelow(answeredBelow)
        .setClaimed(io.dfs.client.metadata.LocalUser.claim())
        .setRequest(MetaRequest.newBuilder().setRename(RenameRequest.newBuilder().setSource(from).setDestination(to)))
        .build();
  }

  @Test
  void aRetriedWriteIsAppliedOnceOnTheLeaderAndOnItsSuccessor() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3);
         MetadataClient client = cluster.newClient("setup")) {
      client.mkdir(MkdirRequest.newBuilder().setPath("/a").build());
      client.mkdir(MkdirRequest.newBuilder().setPath("/c").build());
      String leader = cluster.leaderId();
      ClientCall renameAtoB = rename(1, 1, "/a", "/b");

      MetaResponse first;
      try (RawCalls raw = new RawCalls(cluster, leader)) {
        first = raw.call(renameAtoB);
        assertThat(first.hasError()).as("first attempt: %s", first).isFalse();
        // the same call again: applied again it would fail (no /a any more)
        assertThat(raw.call(renameAtoB)).isEqualTo(first);
      }

      cluster.stopPeer(leader);
      String successor = cluster.leaderId();
      assertThat(successor).isNotEqualTo(leader);
      try (RawCalls raw = new RawCalls(cluster, successor)) {
        assertThat(raw.callWhileNotReady(renameAtoB)).as("retry on the new leader").isEqualTo(first);

        // call 2 says call 1 was answered: a stray copy of call 1 is refused, not applied
        assertThat(raw.call(rename(2, 2, "/c", "/d")).hasError()).isFalse();
        MetaResponse stray = raw.call(renameAtoB);
        assertThat(stray.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      }
      assertThat(client.stat("/b").getPath()).isEqualTo("/b");
      assertThat(client.stat("/d").getPath()).isEqualTo("/d");
    }
  }

  @Test
  void concurrentClientsShareRaftEntries() throws Exception {
    int clients = 8;
    int each = 100;
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3)) {
      List<MetadataClient> cs = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        cs.add(cluster.newClient("sharer-" + i));
      }
      cs.get(0).mkdir(MkdirRequest.newBuilder().setPath("/shared").build());
      String leader = cluster.leaderId();
      long entriesBefore = cluster.peer(leader).division().getRaftLog().getLastCommittedIndex();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          MetadataClient mc = cs.get(c);
          String mine = "/shared/c" + c;
          runs.add(pool.submit(() -> {
            for (int i = 0; i < each; i++) {
              mc.mkdir(MkdirRequest.newBuilder().setPath(mine + "/d" + i).setParents(true).build());
            }
            return null;
          }));
        }
        for (Future<?> f : runs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
        for (MetadataClient mc : cs) {
          mc.close();
        }
      }
      long entries = cluster.peer(leader).division().getRaftLog().getLastCommittedIndex() - entriesBefore;
      // each client waits for every call, so one entry per call without the leader's group commit
      assertThat(entries).as("Raft entries for %d blocking calls of %d clients", clients * each, clients)
          .isLessThan(clients * each * 6 / 10);
      // every call was applied: the directories, /shared and one per client
      assertThat(cluster.peer(leader).stateMachine().counts()[1]).isGreaterThanOrEqualTo(clients * each + clients + 1);
    }
  }
}
