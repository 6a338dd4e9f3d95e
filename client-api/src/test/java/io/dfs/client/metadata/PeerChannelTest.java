package io.dfs.client.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.config.PeerAddress;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.ReadMode;
import io.dfs.proto.StatRequest;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerChannelTest {
  /** Ports nothing listens on: bound, then released. */
  private static List<PeerAddress> deadPeers() throws Exception {
    List<PeerAddress> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.add(new PeerAddress("m" + i, "127.0.0.1", s.getLocalPort()));
      }
    }
    return peers;
  }

  @Test
  void aCallFailsSoonWhenNoPeerCanBeReachedNotAfterItsWholeBudget() throws Exception {
    try (PeerChannel channel = new PeerChannel(deadPeers(), "lonely", true, 5_000, 180_000,
        io.dfs.client.tls.ClusterTls.plaintext(), io.dfs.proto.Caller.getDefaultInstance())) {
      long start = System.nanoTime();
      var call = channel.call(MetaRequest.newBuilder().setStat(StatRequest.newBuilder().setPath("/")).build(),
          ReadMode.LINEARIZABLE);
      assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasMessageContaining("no metadata peer reachable");
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMs).isBetween(PeerChannel.UNREACHABLE_MS, PeerChannel.UNREACHABLE_MS + 10_000);
    }
  }
}
