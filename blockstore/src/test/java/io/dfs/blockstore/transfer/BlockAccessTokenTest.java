package io.dfs.blockstore.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.metadata.blocktokens.BlockTokenIssuer;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
import io.dfs.proto.BlockTokenIdentifier;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.Packet;
import io.dfs.proto.ReadBlockOp;
import io.dfs.proto.ReplicaLengthOp;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.WriteBlockOp;
import io.dfs.proto.WriteStage;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage nodes do nothing with a block unless the leader's block access token allows it: no
 * token, a token for another block or stamp, a read token used to write, a forged or an expired
 * token are refused and the replica stays as it was. Tokens are short-lived here (2.5 s) and
 * heartbeats slow (4 s), so the leader rolls its key between heartbeats and nodes meet tokens
 * signed with keys they have not heard of yet: they fetch them and go on.
 */
class BlockAccessTokenTest {
  static final long LIFETIME_MS = 2_500;
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static DfsFileSystem fs;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> s = new HashMap<>(MiniDfsCluster.fastSettings());
    s.put(BlockTokenIssuer.LIFETIME_MS, Long.toString(LIFETIME_MS));
    s.put(io.dfs.client.config.ClusterConfig.HEARTBEAT_INTERVAL_MS, "4000");
    s.put(io.dfs.client.config.ClusterConfig.DEAD_NODE_TIMEOUT_MS, "30000");
    cluster = MiniDfsCluster.start(dir, 3, s, Map.of());
    cluster.awaitLiveNodes(3);
    fs = cluster.newFileSystem("token-test");
    fs.mkdirs("/t");
  }

  @AfterAll
  static void stop() {
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  static byte[] write(String path, int size, int seed) throws Exception {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      out.write(data);
    }
    return data;
  }

  static LocatedBlock located(String path) throws Exception {
    return ((DfsClient) fs).metadata().getBlockLocations(path, 0, 0).getBlocks(0);
  }

  static OpResponse ask(NodeInfo node, TransferHeader op) throws Exception {
    try (BlockingFrameChannel ch = BlockingFrameChannel.connect(node.getHost(), node.getDataPort(), 5_000, 10_000,
        ((DfsClient) fs).metadata().tls())) {
      ch.write(op);
      return ch.readHead().header().getResponse();
    }
  }

  static OpResponse read(LocatedBlock b, BlockInfo block, BlockToken token) throws Exception {
    return ask(b.getLocations(0), TransferHeader.newBuilder().setRead(ReadBlockOp.newBuilder().setBlock(block)
        .setToken(token).setClientId("raw")).build());
  }

  /** Every node's replica file of the block, byte for byte. */
  static Map<Integer, byte[]> replicas(long blockId) throws Exception {
    Map<Integer, byte[]> out = new HashMap<>();
    for (int i = 0; i < cluster.nodeCount(); i++) {
      Path p = cluster.replicaFile(i, blockId).orElse(null);
      if (p != null) {
        out.put(i, Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void aReadNeedsATokenForThatBlockAndStamp() throws Exception {
    write("/t/a", 10_000, 1);
    write("/t/b", 10_000, 2);
    LocatedBlock a = located("/t/a");
    LocatedBlock b = located("/t/b");
    assertThat(read(a, a.getBlock(), a.getToken()).getStatus()).as("its own token").isEqualTo(TransferStatus.SUCCESS);

    OpResponse none = read(a, a.getBlock(), BlockToken.getDefaultInstance());
    assertThat(none.getStatus()).isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
    assertThat(none.getMessage()).contains("no block access token");
    OpResponse other = read(a, a.getBlock(), b.getToken());
    assertThat(other.getStatus()).isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
    assertThat(other.getMessage()).contains("is for block " + b.getBlock().getBlockId());
    BlockInfo olderStamp = a.getBlock().toBuilder().setGenerationStamp(0).build();
    assertThat(read(a, olderStamp, a.getToken()).getStatus()).as("stamp 0 used to read any replica")
        .isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
  }

  @Test
  void aForgedTokenIsRefused() throws Exception {
    write("/t/forged", 10_000, 3);
    write("/t/mine", 10_000, 4);
    LocatedBlock target = located("/t/forged");
    LocatedBlock mine = located("/t/mine");
    // my token rewritten to name the target block, with my (now wrong) signature
    BlockTokenIdentifier id = BlockTokenIdentifier.parseFrom(mine.getToken().getIdentifier()).toBuilder()
        .setBlockId(target.getBlock().getBlockId()).setGenerationStamp(target.getBlock().getGenerationStamp()).build();
    BlockToken rewritten = mine.getToken().toBuilder().setIdentifier(id.toByteString()).build();
    OpResponse r = read(target, target.getBlock(), rewritten);
    assertThat(r.getStatus()).isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
    assertThat(r.getMessage()).contains("bad signature");
    byte[] mac = target.getToken().getMac().toByteArray();
    mac[0] ^= 1;
    BlockToken flipped = target.getToken().toBuilder().setMac(com.google.protobuf.ByteString.copyFrom(mac)).build();
    assertThat(read(target, target.getBlock(), flipped).getMessage()).contains("bad signature");
  }

  @Test
  void aWriteWithoutAWriteTokenChangesNothingOnDisk() throws Exception {
    byte[] data = write("/t/guarded", 20_000, 5);
    LocatedBlock b = located("/t/guarded");
    Map<Integer, byte[]> before = replicas(b.getBlock().getBlockId());
    assertThat(before).hasSize(3);
    // a higher stamp used to win over the real replica, which was then deleted; a read token
    // for the real stamp does not make a write either
    for (BlockToken token : new BlockToken[] {BlockToken.getDefaultInstance(), b.getToken()}) {
      for (WriteStage stage : new WriteStage[] {WriteStage.CREATE, WriteStage.RECOVERY, WriteStage.REPLICATION}) {
        BlockInfo forged = b.getBlock().toBuilder().setGenerationStamp(b.getBlock().getGenerationStamp() + 1000)
            .setLength(0).build();
        for (BlockInfo block : new BlockInfo[] {forged, b.getBlock()}) {
          try (BlockingFrameChannel ch = BlockingFrameChannel.connect(b.getLocations(0).getHost(),
              b.getLocations(0).getDataPort(), 5_000, 10_000, ((DfsClient) fs).metadata().tls())) {
            ch.write(TransferHeader.newBuilder().setWrite(WriteBlockOp.newBuilder().setBlock(block).setToken(token)
                .setStage(stage).setClientId("intruder").setBytesPerChecksum(512)).build());
            ch.write(TransferHeader.newBuilder().setPacket(Packet.newBuilder().setSeqno(0).setLast(true)).build());
            OpResponse r = ch.readHead().header().getResponse();
            assertThat(r.getStatus()).as(stage + " with " + (token.getIdentifier().isEmpty() ? "no token" : "a read token"))
                .isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
          }
        }
      }
    }
    OpResponse finalize = ask(b.getLocations(0), TransferHeader.newBuilder().setReplicaLengthOp(ReplicaLengthOp
        .newBuilder().setBlock(b.getBlock()).setFinalize(true).setLength(1).setToken(b.getToken())).build());
    assertThat(finalize.getStatus()).as("cutting a replica takes a write token").isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);

    Map<Integer, byte[]> after = replicas(b.getBlock().getBlockId());
    assertThat(after.keySet()).isEqualTo(before.keySet());
    after.forEach((node, bytes) -> assertThat(bytes).as("replica on node " + node).isEqualTo(before.get(node)));
    try (InputStream in = fs.open("/t/guarded")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void anExpiredTokenIsRefusedAndAClientReadingAfterwardsGetsAFreshOne() throws Exception {
    byte[] data = write("/t/expiring", 300_000, 6);
    LocatedBlock b = located("/t/expiring");
    try (InputStream in = fs.open("/t/expiring")) {
      byte[] first = in.readNBytes(1000);
      Thread.sleep(LIFETIME_MS + 500);
      OpResponse r = read(b, b.getBlock(), b.getToken());
      assertThat(r.getStatus()).isEqualTo(TransferStatus.ERROR_ACCESS_TOKEN);
      assertThat(r.getMessage()).contains("expired");
      byte[] rest = in.readAllBytes(); // the stream's own tokens have expired too
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertThat(all).isEqualTo(data);
    }
  }

  @Test
  void tokensSignedWithAKeyTheNodesHaveNotHeardOfYetAreCheckedOnceTheyFetchIt() throws Exception {
    long fetchesBefore = keyFetches();
    long refusalsBefore = refusals();
    long end = System.currentTimeMillis() + 3 * LIFETIME_MS; // at least two key rolls, heartbeats every 4 s
    int i = 0;
    while (System.currentTimeMillis() < end) {
      byte[] data = write("/t/roll-" + i, 5_000 + i, 100 + i);
      try (InputStream in = fs.open("/t/roll-" + i)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      i++;
    }
    assertThat(keyFetches()).as("nodes fetched the leader's new keys").isGreaterThan(fetchesBefore);
    assertThat(refusals()).as("and refused nothing of the writer's or the reader's").isEqualTo(refusalsBefore);
  }

  static long keyFetches() {
    long n = 0;
    for (int i = 0; i < cluster.nodeCount(); i++) {
      n += cluster.node(i).metrics().counter("transfer.block_key_fetches").getCount();
    }
    return n;
  }

  static long refusals() {
    long n = 0;
    for (int i = 0; i < cluster.nodeCount(); i++) {
      n += cluster.node(i).metrics().counter("transfer.token_refusals").getCount();
    }
    return n;
  }
}
