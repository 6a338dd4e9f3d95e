package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.NoSpaceException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.ProtocolNode;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.SetReplicationRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer that loses and regains leadership must not act on what it knew in its earlier term. */
class LeaderChangeBlockStateTest {
  @TempDir Path dir;

  @Test
  void returningLeaderRelearnsReplicasAndNeverDeletesTheLastOne() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3, MetadataTestCluster.FAST_NODE_DEATH);
         MetadataClient client = cluster.newClient("writer")) {
      List<ProtocolNode> nodes = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        nodes.add(new ProtocolNode(cluster, "n" + i));
      }
      String a = cluster.leaderId();
      BlockInfo block = writeOneBlockFile(client, nodes, "/f");
      await().atMost(Duration.ofSeconds(20)).until(() -> outOfSafeMode(cluster, a)
          && blocks(cluster, a).liveReplicas(block) == 3);

      String b = a.equals("m1") ? "m2" : "m1";
      cluster.transferLeadership(b);
      await().atMost(Duration.ofSeconds(20)).until(() -> outOfSafeMode(cluster, b));
      client.setReplication(SetReplicationRequest.newBuilder().setPath("/f").setReplication(1).build());
      // B trims two replicas; the nodes delete them
      await().atMost(Duration.ofSeconds(20)).until(() -> holders(nodes, block).size() == 1);
      String survivor = holders(nodes, block).get(0);

      cluster.transferLeadership(a);
      await().atMost(Duration.ofSeconds(20)).until(() -> outOfSafeMode(cluster, a));
      // the returning leader knows only what the nodes told it in this term
      await().atMost(Duration.ofSeconds(10)).until(() -> blocks(cluster, a).locationsOf(block).stream()
          .map(NodeInfo::getNodeId).toList().equals(List.of(survivor)));
      Thread.sleep(2000); // several monitor passes: none may delete the last replica
      assertThat(holders(nodes, block)).containsExactly(survivor);
      assertThat(blocks(cluster, a).liveReplicas(block)).isEqualTo(1);
      for (ProtocolNode n : nodes) {
        n.close();
      }
    }
  }

  private static BlockManager blocks(MetadataTestCluster cluster, String peer) {
    return cluster.peer(peer).blocks();
  }

  /** The peer leads and its block service left safe mode (it acts on blocks). */
  static boolean outOfSafeMode(MetadataTestCluster cluster, String peer) {
    return cluster.peer(peer).isLeader() && !blocks(cluster, peer).safeMode().on();
  }

  private static List<String> holders(List<ProtocolNode> nodes, BlockInfo block) {
    return nodes.stream().filter(n -> n.holds(block.getBlockId())).map(ProtocolNode::id).toList();
  }

  /** A one-block RF 3 file whose pipeline nodes all report the finalized replica. */
  static BlockInfo writeOneBlockFile(MetadataClient client, List<ProtocolNode> nodes, String path) throws Exception {
    client.create(CreateFileRequest.newBuilder().setPath(path).setReplication(3).build());
    LocatedBlock lb = await().atMost(Duration.ofSeconds(20)).ignoreException(NoSpaceException.class)
        .until(() -> client.addBlock(AddBlockRequest.newBuilder().setPath(path).build()), l -> true);
    assertThat(lb.getLocationsCount()).isEqualTo(3);
    BlockInfo written = lb.getBlock().toBuilder().setLength(1000).build();
    for (NodeInfo target : lb.getLocationsList()) {
      nodes.stream().filter(n -> n.id().equals(target.getNodeId())).findFirst().orElseThrow().received(written);
    }
    client.complete(CompleteFileRequest.newBuilder().setPath(path).setLast(written).build());
    return written;
  }
}
