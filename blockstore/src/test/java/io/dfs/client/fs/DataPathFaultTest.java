package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static io.dfs.client.fs.FileRoundTripTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.proto.LocatedBlock;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage nodes die and disks rot while files are written and read; no byte is lost. */
class DataPathFaultTest {
  static final int MiB = 1 << 20;
  @TempDir Path dir;

  static List<LocatedBlock> blocks(DfsFileSystem fs, String path) throws Exception {
    return ((DfsClient) fs).metadata().getBlockLocations(path, 0, 0).getBlocksList();
  }

  private static void put(DfsFileSystem fs, String path, byte[] data) throws Exception {
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      out.write(data);
    }
  }

  private static void stopAllNodes(MiniDfsCluster cluster) throws Exception {
    for (int i = 0; i < cluster.nodeCount(); i++) {
      cluster.stopNode(i);
    }
  }

  private static int indexOf(MiniDfsCluster c, String nodeId) {
    return Integer.parseInt(nodeId.substring(1)) - 1;
  }

  @Test
  void nodeKilledMidWriteLosesNothing() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4)) {
      DfsFileSystem fs = cluster.newFileSystem("writer");
      byte[] data = random(6 * MiB + 333, 1);
      // 4 MiB blocks: the first block's pipeline is up once its first 1 MiB packet has gone
      try (OutputStream out = fs.create("/mid-write", CreateOptions.defaults().withBlockSize(4 * MiB))) {
        out.write(data, 0, 2 * MiB + 100);
        // the pipeline of the block being written right now
        long open = blocks(fs, "/mid-write").get(0).getBlock().getBlockId();
        // the setup travels with the first packet: wait until every pipeline node has the replica
        List<Integer> pipeline = await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.nodesWriting(open), nodes -> nodes.size() == 3);
        cluster.stopNode(pipeline.get(1));
        out.write(data, 2 * MiB + 100, data.length - (2 * MiB + 100));
      }
      assertThat(sha256(readAll(fs, "/mid-write"))).isEqualTo(sha256(data));
      // the interrupted block completed on its two survivors; the fourth node gets its third replica
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
        for (LocatedBlock b : blocks(fs, "/mid-write")) {
          assertThat(b.getLocationsCount()).as("block %d", b.getBlock().getBlockId()).isEqualTo(3);
        }
      });
    }
  }

  @Test
  void nodeKilledMidReadFailsOverToAnotherReplica() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("reader");
      // 40 blocks of 1 MiB: far more than the reader fetches ahead (16 MiB), so the node dies
      // before the blocks past that point were ever asked of it
      byte[] data = random(40 * MiB, 2);
      put(fs, "/mid-read", data);
      try (DfsInputStream in = fs.open("/mid-read")) {
        byte[] first = in.readNBytes(5 * MiB);
        cluster.stopNode(indexOf(cluster, blocks(fs, "/mid-read").get(30).getLocations(0).getNodeId()));
        byte[] rest = in.readAllBytes();
        byte[] all = new byte[data.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        assertThat(sha256(all)).isEqualTo(sha256(data));
      }
    }
  }

  @Test
  void overwriteThatFailsMidwayLeavesTheOldContent() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("rewriter");
      byte[] old = random(3 * MiB + 5, 11);
      put(fs, "/keep", old);
      byte[] replacement = random(6 * MiB, 12);
      OutputStream out = fs.create("/keep", CreateOptions.defaults().withOverwrite(true));
      out.write(replacement, 0, 2 * MiB);
      stopAllNodes(cluster); // no node left: the rewrite cannot finish
      try {
        out.write(replacement, 2 * MiB, 4 * MiB);
      } catch (java.io.IOException pipelineGone) {
        // may fail here or, with the bytes still buffered, at close: either way close must fail
      }
      assertThatThrownBy(out::close).isInstanceOf(java.io.IOException.class);
      for (int i = 0; i < cluster.nodeCount(); i++) {
        cluster.restartNode(i);
      }
      assertThat(fs.stat("/keep").getLength()).isEqualTo(old.length);
      assertThat(fs.stat("/keep").getUnderConstruction()).isFalse();
      assertThat(sha256(readAll(fs, "/keep"))).isEqualTo(sha256(old));
      assertThat(fs.list("/")).extracting(st -> st.getPath()).containsExactly("/keep");
    }
  }

  @Test
  void newFileWhoseWriteFailedIsNotLeftHalfWritten() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("failing");
      OutputStream out = fs.create("/half", CreateOptions.defaults());
      out.write(random(2 * MiB, 13));
      stopAllNodes(cluster);
      try {
        out.write(random(3 * MiB, 14));
      } catch (java.io.IOException pipelineGone) {
        // may fail here or, with the bytes still buffered, at close: either way close must fail
      }
      assertThatThrownBy(out::close).isInstanceOf(java.io.IOException.class);
      assertThat(fs.list("/")).isEmpty();
    }
  }

  @Test
  void theOnlyReplicaCorruptIsReportedNeverDeleted() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("lonely");
      try (OutputStream out = fs.create("/one", CreateOptions.defaults().withReplication(1))) {
        out.write(random(MiB / 2, 15));
      }
      LocatedBlock b = blocks(fs, "/one").get(0);
      int node = indexOf(cluster, b.getLocations(0).getNodeId());
      Path replica = cluster.replicaFile(node, b.getBlock().getBlockId()).orElseThrow();
      try (RandomAccessFile f = new RandomAccessFile(replica.toFile(), "rw")) {
        f.seek(5);
        f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      }
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
        cluster.node(node).scanner().scanNext();
        return fs.fsck("/").getProblemsList().stream()
            .anyMatch(p -> p.getKind() == io.dfs.proto.FsckProblem.Kind.CORRUPT);
      });
      Thread.sleep(3000); // several monitor passes and heartbeats: none may delete it
      assertThat(cluster.node(node).store().get(b.getBlock().getBlockId())).isPresent();
      assertThat(replica).exists();
    }
  }

  @Test
  void readerOfAFileReplacedByRenameFailsInsteadOfMixingFiles() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("mixer");
      byte[] f = random(40 * MiB, 16);
      byte[] g = random(40 * MiB, 17);
      put(fs, "/F", f);
      put(fs, "/G", g);
      List<LocatedBlock> oldBlocks = blocks(fs, "/F");
      try (DfsInputStream in = fs.open("/F")) {
        byte[] head = in.readNBytes(MiB);
        fs.rename("/G", "/F", true);
        // F's blocks are freed: wait until the nodes deleted those the reader has not fetched yet
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() ->
            cluster.replicaCount(oldBlocks.get(39).getBlock().getBlockId()) == 0);
        byte[] rest;
        try {
          rest = in.readAllBytes();
        } catch (io.dfs.client.error.DfsException stale) {
          assertThat(stale.code()).isEqualTo(io.dfs.proto.ErrorCode.STALE_FILE_HANDLE);
          return;
        }
        // served entirely from what was fetched before: then it must be F's bytes, never G's
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        assertThat(sha256(all)).isEqualTo(sha256(f));
      }
    }
  }

  @Test
  void blocksOfADeadNodeReturnToTheirReplicationFactor() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4)) {
      DfsFileSystem fs = cluster.newFileSystem("rerep");
      byte[] data = random(5 * MiB, 3);
      put(fs, "/rerep", data);
      String victim = blocks(fs, "/rerep").get(0).getLocations(0).getNodeId();
      cluster.stopNode(indexOf(cluster, victim));
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        for (LocatedBlock b : blocks(fs, "/rerep")) {
          assertThat(b.getLocationsList()).extracting(n -> n.getNodeId()).hasSize(3).doesNotContain(victim);
        }
      });
      assertThat(fs.fsck("/").getProblemsList()).isEmpty();
      assertThat(sha256(readAll(fs, "/rerep"))).isEqualTo(sha256(data));

      // the dead node returns: its extra replicas are trimmed back to 3
      cluster.restartNode(indexOf(cluster, victim));
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        for (LocatedBlock b : blocks(fs, "/rerep")) {
          assertThat(cluster.replicaCount(b.getBlock().getBlockId())).isEqualTo(3);
        }
      });
    }
  }

  @Test
  void corruptReplicaIsDetectedReadAroundAndRepaired() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4)) {
      DfsFileSystem fs = cluster.newFileSystem("rot");
      byte[] data = random(2 * MiB + 10, 4);
      put(fs, "/rot", data);
      LocatedBlock first = blocks(fs, "/rot").get(0);
      String bad = first.getLocations(0).getNodeId();
      Path replica = cluster.replicaFile(indexOf(cluster, bad), first.getBlock().getBlockId()).orElseThrow();
      try (RandomAccessFile f = new RandomAccessFile(replica.toFile(), "rw")) {
        f.seek(1000);
        int b = f.read();
        f.seek(1000);
        f.write(b ^ 0xff);
      }
      // the reader is served by the corrupt replica first, detects it and fails over
      assertThat(sha256(readAll(fs, "/rot"))).isEqualTo(sha256(data));
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        LocatedBlock now = blocks(fs, "/rot").get(0);
        assertThat(now.getLocationsList()).extracting(n -> n.getNodeId()).hasSize(3).doesNotContain(bad);
        assertThat(cluster.node(indexOf(cluster, bad)).store().get(first.getBlock().getBlockId())).isEmpty();
      });
      assertThat(sha256(readAll(fs, "/rot"))).isEqualTo(sha256(data));
    }
  }

  @Test
  void scannerFindsRotNobodyRead() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4)) {
      DfsFileSystem fs = cluster.newFileSystem("scan");
      byte[] data = random(MiB / 2, 5);
      put(fs, "/scan", data);
      LocatedBlock b = blocks(fs, "/scan").get(0);
      int node = indexOf(cluster, b.getLocations(2).getNodeId());
      Path replica = cluster.replicaFile(node, b.getBlock().getBlockId()).orElseThrow();
      try (RandomAccessFile f = new RandomAccessFile(replica.toFile(), "rw")) {
        f.seek(5);
        f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        cluster.node(node).scanner().scanNext();
        return cluster.node(node).store().get(b.getBlock().getBlockId()).isEmpty();
      });
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> blocks(fs, "/scan").get(0).getLocationsCount() == 3);
      assertThat(sha256(readAll(fs, "/scan"))).isEqualTo(sha256(data));
    }
  }

  @Test
  void fullNodeIsAvoidedAndNoSpaceAnywhereIsAClearError() throws Exception {
    // node 1 can hold half a block; every file must still land on three nodes with room
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4, MiniDfsCluster.fastSettings(), Map.of(0, (long) MiB / 2))) {
      DfsFileSystem fs = cluster.newFileSystem("full");
      byte[] data = random(3 * MiB, 6);
      put(fs, "/full", data);
      assertThat(sha256(readAll(fs, "/full"))).isEqualTo(sha256(data));
      for (LocatedBlock b : blocks(fs, "/full")) {
        assertThat(b.getLocationsList()).extracting(n -> n.getNodeId()).doesNotContain("n1").hasSize(3);
      }
    }
  }

  @Test
  void restartOfEverythingKeepsEveryFile() throws Exception {
    byte[] a = random(3 * MiB + 1, 7);
    byte[] b = random(12345, 8);
    Path meta = dir.resolve("meta");
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("before");
      fs.mkdirs("/keep/deep");
      put(fs, "/keep/a", a);
      put(fs, "/keep/deep/b", b);
    }
    assertThat(meta.resolve("cluster.properties")).exists();
    try (MiniDfsCluster cluster = MiniDfsCluster.restartOn(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("after");
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(blocks(fs, "/keep/a")).allMatch(l -> l.getLocationsCount() == 3));
      assertThat(sha256(readAll(fs, "/keep/a"))).isEqualTo(sha256(a));
      assertThat(sha256(readAll(fs, "/keep/deep/b"))).isEqualTo(sha256(b));
    }
  }
}
