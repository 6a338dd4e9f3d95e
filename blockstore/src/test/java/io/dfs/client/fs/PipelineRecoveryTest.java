package io.dfs.client.fs;

import static io.dfs.client.fs.DataPathFaultTest.blocks;
import static io.dfs.client.fs.FileRoundTripTest.random;
import static io.dfs.client.fs.FileRoundTripTest.readAll;
import static io.dfs.client.fs.FileRoundTripTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.storage.ReplicaVerifier;
import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.proto.LocatedBlock;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HDFS's pipeline recovery: with three nodes and replication 3, a put survives one node dying at
 * any point of the write, resends only what the pipeline had not acknowledged, and the file returns
 * to three replicas once the node is back.
 */
class PipelineRecoveryTest {
  static final int MiB = 1 << 20;
  /** Bytes a stream may have sent and not yet had acknowledged: what a recovery can resend at most. */
  static final long WINDOW = 8L * 512 * 1024;
  static final int BLOCK = 8 * MiB;

  @TempDir Path dir;

  enum KillPoint { BEFORE_THE_FIRST_PACKET, MID_BLOCK, BETWEEN_BLOCKS, BEFORE_CLOSE }

  @ParameterizedTest
  @EnumSource(KillPoint.class)
  void putSurvivesANodeKilledAndResendsOnlyTheUnacknowledgedTail(KillPoint point) throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("writer");
      byte[] data = random(2 * BLOCK + 4 * MiB + 12_345, point.ordinal());
      int killAt = switch (point) {
        case BEFORE_THE_FIRST_PACKET -> 0;
        case MID_BLOCK -> BLOCK + 6 * MiB; // 6 MiB into the second block: the old recovery resent them all
        case BETWEEN_BLOCKS -> BLOCK;
        case BEFORE_CLOSE -> data.length;
      };
      int victim = 1;
      DfsClientOutputStream out = (DfsClientOutputStream) fs.create("/put", CreateOptions.defaults().withBlockSize(BLOCK));
      out.write(data, 0, killAt);
      if (point == KillPoint.MID_BLOCK) {
        long open = blocks(fs, "/put").get(1).getBlock().getBlockId();
        List<Integer> pipeline = await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.nodesWriting(open), nodes -> nodes.size() == 3);
        victim = pipeline.get(1);
      }
      cluster.stopNode(victim);
      long killed = System.nanoTime();
      out.write(data, killAt, data.length - killAt);
      out.close();
      // the survivors noticed at once: no wait for the 60 s ack timeout that a stuck pipeline ends with
      assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("put after the kill").isLessThan(Duration.ofSeconds(30));

      assertThat(sha256(readAll(fs, "/put"))).isEqualTo(sha256(data));
      assertThat(out.bytesResent()).as("bytes sent twice").isLessThanOrEqualTo(WINDOW);
      cluster.restartNode(victim);
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        for (LocatedBlock b : blocks(fs, "/put")) {
          assertThat(b.getLocationsCount()).as("replicas of block %d", b.getBlock().getBlockId()).isEqualTo(3);
        }
      });
      assertThat(sha256(readAll(fs, "/put"))).isEqualTo(sha256(data));
      DeadlockCheck.assertNoDeadlock();
    }
  }

  @Test
  void withOneSurvivorMidBlockAReplacementGetsTheAcknowledgedBytesAndJoins() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 4)) {
      DfsFileSystem fs = cluster.newFileSystem("writer");
      byte[] data = random(BLOCK + 4 * MiB, 42);
      try (DfsOutputStream out = fs.create("/lonely", CreateOptions.defaults().withBlockSize(BLOCK))) {
        out.write(data, 0, 5 * MiB);
        out.hflush(); // every node has the 5 MiB: a replacement must get them before it can join
        long open = blocks(fs, "/lonely").get(0).getBlock().getBlockId();
        List<Integer> pipeline = await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.nodesWriting(open), nodes -> nodes.size() == 3);
        cluster.stopNode(pipeline.get(1));
        cluster.stopNode(pipeline.get(2));
        out.write(data, 5 * MiB, data.length - 5 * MiB);
      }
      long first = blocks(fs, "/lonely").get(0).getBlock().getBlockId();
      long copies = 0;
      for (int i = 0; i < cluster.nodeCount(); i++) {
        if (cluster.node(i) != null) {
          copies += cluster.node(i).metrics().counter("replica.transfers").getCount();
        }
      }
      assertThat(copies).as("unfinished replicas copied to a replacement").isPositive();
      // the interrupted block completed on the survivor and the replacement, not on one node
      assertThat(cluster.replicaCount(first)).isEqualTo(2);
      assertThat(sha256(readAll(fs, "/lonely"))).isEqualTo(sha256(data));
    }
  }

  @Test
  void hflushInsideAChunkThenANodeDeathKeepsEveryByteAndEveryChecksumWhole() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("logger");
      byte[] data = random(3 * MiB + 777, 40);
      int written = 0;
      try (DfsOutputStream out = fs.create("/log", CreateOptions.defaults())) {
        // log-style: small records, each made durable on every node before the next
        for (int record = 0; record < 200; record++) {
          out.write(data, written, 1_000);
          written += 1_000;
          out.hflush();
        }
        long open = blocks(fs, "/log").get(0).getBlock().getBlockId();
        List<Integer> pipeline = await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.nodesWriting(open), nodes -> nodes.size() == 3);
        cluster.stopNode(pipeline.get(0)); // the first node: the client's own connection breaks
        out.write(data, written, 500);
        written += 500;
        out.hsync();
        out.write(data, written, data.length - written);
      }
      assertThat(sha256(readAll(fs, "/log"))).isEqualTo(sha256(data));
      for (int i = 0; i < cluster.nodeCount(); i++) {
        if (cluster.node(i) == null) {
          continue;
        }
        for (var replica : cluster.node(i).store().report()) {
          var r = cluster.node(i).store().get(replica.getBlockId()).orElseThrow();
          assertThat(ReplicaVerifier.isIntact(r)).as("replica %s on node %d", r.data(), i).isTrue();
        }
      }
    }
  }

  @Test
  void twoHundredOpenStreamsHoldAFewMegabytesNotABlockEach() throws Exception {
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir, 3)) {
      DfsFileSystem fs = cluster.newFileSystem("many");
      // two full packets sent and acknowledged, and a little more still buffered in each stream
      byte[] data = random(MiB + 10_000, 41);
      fs.create("/warm-up", CreateOptions.defaults()).close();
      long before = usedHeapAfterGc();
      List<OutputStream> open = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        OutputStream out = fs.create("/open-" + i, CreateOptions.defaults().withBlockSize(64 * MiB));
        out.write(data);
        open.add(out);
      }
      long held = usedHeapAfterGc() - before;
      System.out.printf("heap held by 200 open streams: %.1f MiB%n", held / (double) MiB);
      // one block per stream would be 200 x 64 MiB; the old design kept every byte of the block
      // being written plus a 1 MiB packet: 3 MiB per stream here
      assertThat(held).as("heap held by 200 open streams").isLessThan(120L * MiB);
      for (OutputStream out : open) {
        out.close();
      }
      for (int i = 0; i < 200; i += 37) {
        assertThat(sha256(readAll(fs, "/open-" + i))).isEqualTo(sha256(data));
      }
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
