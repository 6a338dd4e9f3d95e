package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots plus the log after them restore exactly what was committed, on every peer. */
class SnapshotRestartTest {
  @TempDir Path dir;

  @Test
  void restartOfAllPeersRestoresTheNamespaceFromSnapshotAndLog() throws Exception {
    String digestBefore;
    try (MetadataTestCluster cluster = MetadataTestCluster.start(dir, 3,
        Map.of(MetadataServer.SNAPSHOT_THRESHOLD, "200"))) {
      try (MetadataClient client = cluster.newClient("snap")) {
        for (int i = 0; i < 300; i++) {
          client.mkdir(MkdirRequest.newBuilder().setPath("/s/d" + (i % 20) + "/e" + i).setParents(true).build());
        }
        for (String id : cluster.runningPeers()) {
          cluster.peer(id).takeSnapshot();
        }
        for (int i = 0; i < 100; i++) {
          client.create(CreateFileRequest.newBuilder().setPath("/s/f" + i).build());
          client.rename(RenameRequest.newBuilder().setSource("/s/f" + i).setDestination("/s/d" + (i % 20) + "/f" + i).build());
        }
      }
      String leader = cluster.leaderId();
      await().atMost(Duration.ofSeconds(30)).until(() -> cluster.runningPeers().stream()
          .map(cluster::stateDigest).distinct().count() == 1);
      digestBefore = cluster.stateDigest(leader);
      assertThat(snapshotFiles(dir)).isPositive();
    }

    try (MetadataTestCluster restarted = MetadataTestCluster.restartOn(dir, 3)) {
      String leader = restarted.leaderId();
      await().atMost(Duration.ofSeconds(60)).until(() -> restarted.stateDigest(leader).equals(digestBefore));
      try (MetadataClient client = restarted.newClient("after")) {
        assertThat(client.stat("/s/d7/f7").getPath()).isEqualTo("/s/d7/f7");
        assertThat(client.list("/s/d3", "", 0).getEntriesCount()).isEqualTo(15 + 5);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> restarted.runningPeers().stream()
          .map(restarted::stateDigest).allMatch(digestBefore::equals));
    }
  }

  private static long snapshotFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("snapshot.")
          && !p.getFileName().toString().endsWith(".md5")).count();
    }
  }
}
