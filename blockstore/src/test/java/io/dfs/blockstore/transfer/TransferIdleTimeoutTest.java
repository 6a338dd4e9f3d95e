package io.dfs.blockstore.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.NodeInfo;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node closes transfer connections that stay silent for its idle timeout, so a client
 * that connects and goes away holds nothing; a writer that merely pauses longer than that loses
 * nothing: its next packet goes through pipeline recovery.
 */
class TransferIdleTimeoutTest {
  @TempDir Path dir;

  private static Map<String, String> settings() {
    Map<String, String> s = new HashMap<>(MiniDfsCluster.fastSettings());
    s.put(TransferServer.IDLE_TIMEOUT, "1000");
    return s;
  }

  @Test
  void aSilentConnectionIsClosedAndAPausedWriterStillCompletes() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3, settings(), Map.of());
         DfsFileSystem fs = cluster.newFileSystem("pauser")) {
      cluster.awaitLiveNodes(3);
      NodeInfo node = cluster.node(0).info();
      try (Socket silent = new Socket(node.getHost(), node.getDataPort())) {
        silent.setSoTimeout(15_000);
        long start = System.nanoTime();
        int read = silent.getInputStream().read(); // a read timeout here fails the test
        long closedAfterMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(read).as("the node closed the silent connection").isEqualTo(-1);
        assertThat(closedAfterMs).isBetween(800L, 10_000L);
      }

      byte[] data = new byte[3 << 20];
      new Random(7).nextBytes(data);
      try (OutputStream out = fs.create("/paused", CreateOptions.defaults())) {
        int first = 700_000; // inside the first 1 MiB block: its pipeline stays open through the pause
        out.write(data, 0, first);
        out.flush();
        Thread.sleep(2_500); // longer than the idle timeout: the pipeline's connections are closed
        out.write(data, first, data.length - first);
      }
      try (InputStream in = fs.open("/paused")) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }
}
