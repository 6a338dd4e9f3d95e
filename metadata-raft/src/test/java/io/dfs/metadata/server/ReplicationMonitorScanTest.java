package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.ProtocolNode;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication monitor walks the block table a chunk at a time: every block must still be seen. */
class ReplicationMonitorScanTest {
  private static final int FILES = 2500; // more than two chunks of the walk

  @TempDir Path dir;

  @Test
  void everyBlockPastTheFirstChunksIsCountedAndReplicatedWhenANodeDies() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3, MetadataTestCluster.FAST_NODE_DEATH);
         MetadataClient client = cluster.newClient("writer")) {
      ProtocolNode n1 = new ProtocolNode(cluster, "n1");
      ProtocolNode n2 = new ProtocolNode(cluster, "n2");
      String leader = cluster.leaderId();
      BlockManager blocks = cluster.peer(leader).blocks();
      await().atMost(Duration.ofSeconds(20)).until(() -> LeaderChangeBlockStateTest.outOfSafeMode(cluster, leader));

      List<BlockInfo> written = writeOneBlockFiles(client, FILES);
      n1.receivedAll(written);
      n2.receivedAll(written);
      await().atMost(Duration.ofSeconds(20)).until(() -> blocks.scan().underReplicated() == 0
          && written.stream().allMatch(b -> blocks.liveReplicas(b) == 2));

      n2.close(); // dead after 3 s: every block is down to one replica
      await().atMost(Duration.ofSeconds(30)).until(() -> blocks.health().underReplicated() == FILES);

      ProtocolNode n3 = new ProtocolNode(cluster, "n3");
      Set<Long> toCopy = new HashSet<>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (NodeCommand c : n1.commands()) {
          if (c.hasReplicate() && c.getReplicate().getTargetsList().stream()
              .anyMatch(t -> t.getNodeId().equals("n3"))) {
            toCopy.add(c.getReplicate().getBlock().getBlockId());
          }
        }
        return toCopy.size() == FILES;
      });
      n1.close();
      n3.close();
    }
    DeadlockCheck.assertNoDeadlock();
  }

  /** Files of one 1,000-byte block each, RF 2, created and completed in shared entries. */
  private static List<BlockInfo> writeOneBlockFiles(MetadataClient client, int count) {
    List<CompletableFuture<MetaResponse>> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      created.add(client.writeAsync(MetaRequest.newBuilder().setCreate(CreateFileRequest.newBuilder()
          .setPath("/f" + i).setReplication(2).setAllocateBlock(true).setClientId(client.clientId())).build()));
    }
    List<BlockInfo> blocks = new ArrayList<>();
    List<CompletableFuture<MetaResponse>> completed = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      BlockInfo b = created.get(i).join().getFirstBlock().getBlock().toBuilder().setLength(1000).build();
      blocks.add(b);
      completed.add(client.writeAsync(MetaRequest.newBuilder().setComplete(CompleteFileRequest.newBuilder()
          .setPath("/f" + i).setLast(b).setClientId(client.clientId())).build()));
    }
    completed.forEach(CompletableFuture::join);
    return blocks;
  }
}
