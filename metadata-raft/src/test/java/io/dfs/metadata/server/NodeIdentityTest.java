package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.PermissionDeniedException;
import io.dfs.metadata.nodeprotocol.NodeProtocolClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.ProtocolNode;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.NodeState;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node's id cannot be taken over while the node is live: a registration of a live id
 * from another address (even with the id's certificate, as from a machine that took over its
 * disks too early) is refused and the leader keeps sending clients to the real node. Once the
 * node is declared dead, a node may register under its id at a new address (it moved).
 */
class NodeIdentityTest {
  @TempDir Path dir;

  private static NodeInfo at(String id, String host) {
    return NodeInfo.newBuilder().setNodeId(id).setHost(host).setDataPort(1)
        .setCapacityBytes(1L << 40).setRemainingBytes(1L << 40).build();
  }

  private static NodeInfo known(MetadataTestCluster cluster, String id) {
    return cluster.peer(cluster.leaderId()).blocks().nodes().stream().filter(n -> n.getNodeId().equals(id))
        .findFirst().orElseThrow();
  }

  @Test
  void aLiveNodesIdCannotBeRegisteredFromAnotherAddress() throws Exception {
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3, MetadataTestCluster.FAST_NODE_DEATH);
         NodeProtocolClient impostor = new NodeProtocolClient(cluster.config(), cluster.nodeTls("n1"))) {
      try (ProtocolNode real = new ProtocolNode(cluster, "n1")) {
        assertThatThrownBy(() -> impostor.register(at("n1", "10.0.0.66")))
            .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("is live at 127.0.0.1:1");
        assertThat(known(cluster, "n1").getHost()).isEqualTo("127.0.0.1");
      }
      // the real node stopped heartbeating: once it is dead, its id may move
      await().atMost(Duration.ofSeconds(30)).until(() -> known(cluster, "n1").getState() == NodeState.DEAD);
      impostor.register(at("n1", "10.0.0.77"));
      assertThat(known(cluster, "n1").getHost()).isEqualTo("10.0.0.77");
    }
  }
}
