package io.dfs.client.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.proto.FileStatus;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files of every shape written and read back through the real data path (1 MiB blocks, RF 3). */
class FileRoundTripTest {
  static final int MiB = 1 << 20;
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static DfsFileSystem fs;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    fs = cluster.newFileSystem("roundtrip");
    fs.mkdirs("/rt");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static void write(DfsFileSystem fs, String path, byte[] data, int writeSize) throws Exception {
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      for (int off = 0; off < data.length; off += writeSize) {
        out.write(data, off, Math.min(writeSize, data.length - off));
      }
    }
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  static byte[] readAll(DfsFileSystem fs, String path) throws Exception {
    try (InputStream in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4095, MiB, MiB + 1, 3 * MiB + 12345})
  void roundTripsExactly(int size) throws Exception {
    byte[] data = random(size, size);
    write(fs, "/rt/f" + size, data, 8192);
    FileStatus st = fs.stat("/rt/f" + size);
    assertThat(st.getLength()).isEqualTo(size);
    assertThat(st.getUnderConstruction()).isFalse();
    assertThat(sha256(readAll(fs, "/rt/f" + size))).isEqualTo(sha256(data));
  }

  @Test
  void randomSizesAndWritePatterns() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 6; i++) {
      int size = r.nextInt(5 * MiB);
      byte[] data = random(size, i);
      write(fs, "/rt/rand" + i, data, 1 + r.nextInt(300_000));
      assertThat(sha256(readAll(fs, "/rt/rand" + i))).as("file %d of %d bytes", i, size).isEqualTo(sha256(data));
    }
  }

  @Test
  void shortCircuitAndNetworkReadsReturnTheSameBytes() throws Exception {
    byte[] data = random(2 * MiB + 4321, 9);
    write(fs, "/rt/both-ways", data, MiB);
    long local = shortCircuitBytes();
    assertThat(readAll(fs, "/rt/both-ways")).isEqualTo(data);
    assertThat(shortCircuitBytes() - local).as("bytes read from the replicas' files directly").isEqualTo(data.length);
    System.setProperty("dfs.client.read.shortcircuit", "false");
    try {
      long before = shortCircuitBytes();
      assertThat(readAll(fs, "/rt/both-ways")).isEqualTo(data);
      try (DfsInputStream in = fs.open("/rt/both-ways")) {
        byte[] inside = new byte[10];
        assertThat(in.read(MiB + 100_000, inside, 0, 10)).isEqualTo(10);
        assertThat(inside).isEqualTo(java.util.Arrays.copyOfRange(data, MiB + 100_000, MiB + 100_010));
      }
      assertThat(shortCircuitBytes()).isEqualTo(before);
    } finally {
      System.clearProperty("dfs.client.read.shortcircuit");
    }
  }

  /**
   * A stream reading a block of a local replica window after window asks its node once and keeps
   * the replica's files open for the rest (before: a question, and two files opened, per window).
   */
  @Test
  void aSequentialReaderAsksForALocalBlockOnce() throws Exception {
    int windows = 3;
    byte[] data = random(windows * 4 * MiB, 11);
    try (OutputStream out = fs.create("/rt/one-block", CreateOptions.defaults().withBlockSize(16 * MiB))) {
      out.write(data);
    }
    long grants = shortCircuitGrants();
    long local = shortCircuitBytes();
    assertThat(readAll(fs, "/rt/one-block")).isEqualTo(data);
    assertThat(shortCircuitBytes() - local).as("bytes read from the replica's files directly").isEqualTo(data.length);
    assertThat(shortCircuitGrants() - grants).as("questions to nodes for %d windows of one block", windows)
        .isEqualTo(1);
  }

  private static long shortCircuitGrants() {
    long sum = 0;
    for (int i = 0; i < cluster.nodeCount(); i++) {
      sum += cluster.node(i).metrics().counter("reads.short_circuit_grants").getCount();
    }
    return sum;
  }

  private static long shortCircuitBytes() {
    return ((DfsClient) fs).metadata().metrics().meter(io.dfs.client.block.LocalReplicaSlot.BYTES_READ).getCount();
  }

  @Test
  void seekAndPositionalReads() throws Exception {
    byte[] data = random(3 * MiB + 77, 7);
    write(fs, "/rt/seek", data, MiB);
    try (DfsInputStream in = fs.open("/rt/seek")) {
      assertThat(in.length()).isEqualTo(data.length);
      in.seek(MiB - 10);
      byte[] chunk = new byte[20];
      assertThat(in.readNBytes(chunk, 0, 20)).isEqualTo(20);
      assertThat(chunk).isEqualTo(java.util.Arrays.copyOfRange(data, MiB - 10, MiB + 10));
      byte[] tail = new byte[100];
      int n = in.read(data.length - 50, tail, 0, 100);
      assertThat(n).isEqualTo(50);
      assertThat(java.util.Arrays.copyOf(tail, 50)).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 50, data.length));
      assertThat(in.getPos()).isEqualTo(MiB + 10);
      // a range that ends inside a checksum chunk, in the middle of a block
      byte[] inside = new byte[10];
      assertThat(in.read(100_000, inside, 0, 10)).isEqualTo(10);
      assertThat(inside).isEqualTo(java.util.Arrays.copyOfRange(data, 100_000, 100_010));
      in.seek(data.length);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void nodesRegisterWithTheirMetricsAddress() throws Exception {
    // the dashboard finds each node's /metrics through the address it registered with
    var nodes = fs.clusterStatus().getNodesList();
    assertThat(nodes).hasSize(3).allSatisfy(n -> assertThat(n.getHttpPort()).isPositive());
  }

  @Test
  void everyBlockHasThreeDistinctReplicas() throws Exception {
    write(fs, "/rt/rf", random(2 * MiB + 5, 3), MiB);
    var blocks = ((DfsClient) fs).metadata().getBlockLocations("/rt/rf", 0, 0).getBlocksList();
    assertThat(blocks).hasSize(3);
    for (var b : blocks) {
      assertThat(b.getLocationsList()).extracting(n -> n.getNodeId()).hasSize(3).doesNotHaveDuplicates();
      assertThat(cluster.replicaCount(b.getBlock().getBlockId())).isEqualTo(3);
    }
  }

  @Test
  void locationsAreKnownTheMomentAFileIsClosed() throws Exception {
    // close-to-open: a reader right after close must not depend on the nodes' reports having arrived
    for (int i = 0; i < 5; i++) {
      write(fs, "/rt/fresh" + i, random(2 * MiB + 3, 20 + i), MiB);
      var blocks = ((DfsClient) fs).metadata().getBlockLocations("/rt/fresh" + i, 0, 0).getBlocksList();
      assertThat(blocks).hasSize(3).allSatisfy(b -> assertThat(b.getLocationsCount()).isEqualTo(3));
    }
  }

  @Test
  void overwriteAndErrors() throws Exception {
    write(fs, "/rt/ow", random(1000, 1), 100);
    assertThatThrownBy(() -> fs.create("/rt/ow", CreateOptions.defaults())).isInstanceOf(PathExistsException.class);
    byte[] second = random(2000, 2);
    try (OutputStream out = fs.create("/rt/ow", CreateOptions.defaults().withOverwrite(true))) {
      out.write(second);
    }
    assertThat(readAll(fs, "/rt/ow")).isEqualTo(second);
    assertThatThrownBy(() -> fs.open("/rt")).isInstanceOf(IsADirectoryException.class);
    assertThatThrownBy(() -> fs.open("/rt/none")).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> fs.create("/nodir/x", CreateOptions.defaults())).isInstanceOf(PathNotFoundException.class);
  }

  @Test
  void truncateShrinksAndGrows() throws Exception {
    byte[] data = random(2 * MiB + 500, 9);
    write(fs, "/rt/trunc", data, MiB);
    fs.truncate("/rt/trunc", MiB);                // block boundary: metadata only
    assertThat(readAll(fs, "/rt/trunc")).isEqualTo(java.util.Arrays.copyOf(data, MiB));
    fs.truncate("/rt/trunc", 1000);               // inside a block: rewrite
    assertThat(readAll(fs, "/rt/trunc")).isEqualTo(java.util.Arrays.copyOf(data, 1000));
    fs.truncate("/rt/trunc", 1500);               // grow: a hole
    assertThat(readAll(fs, "/rt/trunc")).isEqualTo(java.util.Arrays.copyOf(java.util.Arrays.copyOf(data, 1000), 1500));
  }

  @Test
  void growingATerabyteIsAHoleThatReadsAsZerosAndStoresNothing() throws Exception {
    byte[] data = random(MiB + 100, 10);
    write(fs, "/rt/sparse", data, MiB);
    long tera = 1L << 40;
    fs.truncate("/rt/sparse", tera);
    assertThat(fs.stat("/rt/sparse").getLength()).isEqualTo(tera);
    var blocks = ((DfsClient) fs).metadata().getBlockLocations("/rt/sparse", 0, 0).getBlocksList();
    assertThat(blocks).hasSize(3);
    assertThat(blocks.get(2).getBlock().getBlockId()).as("a hole, stored nowhere").isZero();
    assertThat(blocks.get(2).getLocationsList()).isEmpty();
    assertThat(fs.fsck("/rt/sparse").getProblemsList()).isEmpty();
    assertThat(fs.fsck("/rt/sparse").getBlocks()).isEqualTo(2);

    try (DfsInputStream in = fs.open("/rt/sparse")) {
      byte[] across = new byte[200];
      assertThat(in.read(MiB, across, 0, 200)).isEqualTo(200);
      assertThat(java.util.Arrays.copyOf(across, 100)).isEqualTo(java.util.Arrays.copyOfRange(data, MiB, MiB + 100));
      assertThat(java.util.Arrays.copyOfRange(across, 100, 200)).containsOnly(0);
      byte[] end = new byte[64];
      java.util.Arrays.fill(end, (byte) 1);
      assertThat(in.read(tera - 64, end, 0, 64)).isEqualTo(64);
      assertThat(end).containsOnly(0);
      assertThat(in.read(tera, end, 0, 1)).isEqualTo(-1);
    }

    fs.truncate("/rt/sparse", 3 * MiB);             // a cut inside the hole: metadata only
    java.util.zip.CRC32C local = new java.util.zip.CRC32C();
    local.update(java.util.Arrays.copyOf(data, 3 * MiB));
    assertThat(fs.checksum("/rt/sparse").crc32c()).as("holes count as their zeros").isEqualTo((int) local.getValue());
    assertThat(readAll(fs, "/rt/sparse")).isEqualTo(java.util.Arrays.copyOf(data, 3 * MiB));
    fs.truncate("/rt/sparse", 50);                  // inside the first block: rewritten
    assertThat(readAll(fs, "/rt/sparse")).isEqualTo(java.util.Arrays.copyOf(data, 50));
    assertThatThrownBy(() -> fs.truncate("/rt/sparse", DfsFileSystem.MAX_FILE_SIZE + 1))
        .isInstanceOf(io.dfs.client.error.FileTooLargeException.class);
  }

  @Test
  void aNewBlockWriteForABlockANodeHoldsIsRefusedAndTheReplicaStays() throws Exception {
    // the writer's own write token (block access tokens keep everyone else out): writing the
    // finished block again as a new one must not replace the replica
    io.dfs.client.metadata.MetadataClient m = ((DfsClient) fs).metadata();
    io.dfs.proto.LocatedBlock b = m.createOpen(io.dfs.proto.CreateFileRequest.newBuilder().setPath("/rt/guarded")
        .setClientId(m.clientId()).setAllocateBlock(true).setMode(0644).build()).getFirstBlock();
    byte[] data = random(5000, 11);
    try (io.dfs.client.block.BlockWriter w = io.dfs.client.block.BlockWriter.open(
        new io.dfs.client.block.NodeConnections(m.tls()), b.getLocationsList(), b.getBlock(),
        b.getToken(), io.dfs.proto.WriteStage.CREATE, m.clientId(), 0)) {
      w.writeAll(data, 0, data.length);
      w.finish();
    }
    io.dfs.proto.NodeInfo node = b.getLocations(0);
    try (var ch = io.dfs.client.transfer.BlockingFrameChannel.connect(node.getHost(), node.getDataPort(), 5000, 10000,
        m.tls())) {
      ch.write(io.dfs.proto.TransferHeader.newBuilder().setWrite(io.dfs.proto.WriteBlockOp.newBuilder()
          .setBlock(b.getBlock()).setToken(b.getToken()).setStage(io.dfs.proto.WriteStage.CREATE)
          .setClientId(m.clientId()).setBytesPerChecksum(512)).build());
      io.dfs.proto.OpResponse r = ch.read().header().getResponse();
      assertThat(r.getStatus()).isNotEqualTo(io.dfs.proto.TransferStatus.SUCCESS);
      assertThat(r.getMessage()).contains("already has a replica");
    }
    java.nio.file.Path replica = cluster.replicaFile(0, b.getBlock().getBlockId()).orElseThrow();
    assertThat(cluster.replicaCount(b.getBlock().getBlockId())).isEqualTo(3);
    assertThat(java.nio.file.Files.readAllBytes(replica)).isEqualTo(data);
  }

  @Test
  void checksumIsTheCrc32cOfTheContentWhateverTheBlockSize() throws Exception {
    byte[] data = random(3 * MiB + 12345, 99);
    java.util.zip.CRC32C local = new java.util.zip.CRC32C();
    local.update(data);
    write(fs, "/rt/sum-1m", data, 65536);
    try (OutputStream out = fs.create("/rt/sum-64k", CreateOptions.defaults().withBlockSize(64 << 10))) {
      out.write(data);
    }
    data[data.length / 2] ^= 1;
    write(fs, "/rt/sum-changed", data, 65536);

    io.dfs.client.checksum.FileChecksum big = fs.checksum("/rt/sum-1m");
    assertThat(big.crc32c()).isEqualTo((int) local.getValue());
    assertThat(big.length()).isEqualTo(data.length);
    assertThat(fs.checksum("/rt/sum-64k")).isEqualTo(big);
    assertThat(fs.checksum("/rt/sum-changed")).isNotEqualTo(big);
    write(fs, "/rt/sum-empty", new byte[0], 1);
    assertThat(fs.checksum("/rt/sum-empty").crc32c()).isZero();
  }

  @Test
  void checksumOfADirectoryOrAFileBeingWrittenIsRefused() throws Exception {
    assertThatThrownBy(() -> fs.checksum("/rt")).isInstanceOf(IsADirectoryException.class);
    try (DfsOutputStream out = fs.create("/rt/sum-open", CreateOptions.defaults())) {
      out.write(new byte[100]);
      out.hflush();
      assertThatThrownBy(() -> fs.checksum("/rt/sum-open"))
          .isInstanceOf(io.dfs.client.error.AlreadyBeingCreatedException.class);
    }
    assertThat(fs.checksum("/rt/sum-open").length()).isEqualTo(100);
  }
}
