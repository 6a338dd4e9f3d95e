package io.dfs.client.block;

import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockChecksumOp;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.Packet;
import io.dfs.proto.ReadBlockOp;
import io.dfs.proto.ReplicaLengthOp;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Reads a byte range of one replica from one node, verifying every chunk's CRC32C. */
public final class BlockReader {
  private BlockReader() {}

  /** Data served by a node failed its checksum: that replica is corrupt. */
  public static final class ChecksumException extends IOException {
    public ChecksumException(String message) {
      super(message);
    }
  }

  /** Whether the node runs on this machine (its replicas can be read short-circuit): such replicas are read first. */
  public static boolean isLocal(NodeInfo node) {
    return ShortCircuitReads.worthAsking(node);
  }

  /**
   * Reads {@code length} bytes at {@code offset} of the block into {@code dst}; returns how many
   * were read (fewer only at the end of the replica). A local replica the stream kept in
   * {@code local} is read without asking the node; otherwise the node is asked on an idle
   * connection when there is one (a stale one is replaced once), left idle again afterwards, and
   * a local replica it names is kept for the stream's next reads.
   */
  public static int read(NodeConnections pool, NodeInfo node, BlockInfo block, BlockToken token, long offset, byte[] dst, int dstOffset,
      int length, String clientId, LocalReplicaSlot local) throws IOException {
    LocalReplica kept = local.serving(node, block);
    if (kept != null) {
      try {
        return local.read(kept, offset, dst, dstOffset, length);
      } catch (ChecksumException e) {
        throw e;
      } catch (IOException e) {
        // closed by the stream's other reader meanwhile: ask the node again
      }
    }
    BlockingFrameChannel idle = pool.takeIdle(node);
    if (idle != null) {
      try {
        int n = readOver(idle, node, block, token, offset, dst, dstOffset, length, clientId, local);
        pool.giveBack(node, idle);
        return n;
      } catch (ChecksumException e) {
        NodeConnections.closeQuietly(idle);
        throw e;
      } catch (IOException e) {
        NodeConnections.closeQuietly(idle); // the node may have restarted since: once more on a new connection
      }
    }
    BlockingFrameChannel fresh = pool.connect(node);
    try {
      int n = readOver(fresh, node, block, token, offset, dst, dstOffset, length, clientId, local);
      pool.giveBack(node, fresh);
      return n;
    } catch (IOException | RuntimeException e) {
      NodeConnections.closeQuietly(fresh);
      throw e;
    }
  }

  /**
   * One read exchange. Packets that fall inside the range are read straight into {@code dst} and
   * verified there; only the first and last (which may start before or end after it: the node
   * sends whole chunks) go through a scratch buffer.
   */
  private static int readOver(BlockingFrameChannel ch, NodeInfo node, BlockInfo block, BlockToken token, long offset,
      byte[] dst, int dstOffset, int length, String clientId, LocalReplicaSlot local) throws IOException {
    return readOver(ch, node, block, token, offset, dst, dstOffset, length, clientId, local,
        ShortCircuitReads.worthAsking(node));
  }

  private static int readOver(BlockingFrameChannel ch, NodeInfo node, BlockInfo block, BlockToken token, long offset,
      byte[] dst, int dstOffset, int length, String clientId, LocalReplicaSlot local, boolean shortCircuit)
      throws IOException {
    ch.write(TransferHeader.newBuilder().setRead(ReadBlockOp.newBuilder().setBlock(block).setToken(token)
        .setOffset(offset).setLength(length).setClientId(clientId).setShortCircuit(shortCircuit)).build());
    OpResponse r = ch.readHead().header().getResponse();
    if (r.getStatus() != TransferStatus.SUCCESS) {
      throw new IOException("read of block " + block.getBlockId() + " from " + node.getNodeId() + " failed: "
          + r.getStatus() + " " + r.getMessage());
    }
    if (!r.getLocalDataPath().isEmpty()) {
      LocalReplica replica;
      try {
        replica = LocalReplica.open(node, block, r);
      } catch (ShortCircuitReads.NotReadableHere e) {
        // replaced or deleted meanwhile, or not ours to open: the same read over the network
        return readOver(ch, node, block, token, offset, dst, dstOffset, length, clientId, local, false);
      }
      local.keep(replica);
      return local.read(replica, offset, dst, dstOffset, length);
    }
    int bpc = r.getBytesPerChecksum();
    long end = Math.min(offset + length, r.getReplicaLength());
    int copied = 0;
    while (true) {
      BlockingFrameChannel.Head head = ch.readHead();
      Packet p = head.header().getPacket();
      long from = p.getOffsetInBlock();
      long to = from + head.dataLength();
      boolean inside = from >= offset && to <= end;
      byte[] target = inside ? dst : new byte[head.dataLength()];
      int at = inside ? dstOffset + (int) (from - offset) : 0;
      ch.readData(target, at, head.dataLength());
      if (ChunkChecksums.firstMismatch(ByteBuffer.wrap(target, at, head.dataLength()), bpc, p.getChecksumsList()) >= 0) {
        throw new ChecksumException("checksum mismatch in block " + block.getBlockId() + " at "
            + p.getOffsetInBlock() + " from " + node.getNodeId());
      }
      long keepFrom = Math.max(offset, from);
      long keepTo = Math.min(end, to);
      if (keepTo > keepFrom) {
        if (!inside) {
          System.arraycopy(target, (int) (keepFrom - from), dst, dstOffset + (int) (keepFrom - offset),
              (int) (keepTo - keepFrom));
        }
        copied += (int) (keepTo - keepFrom);
      }
      if (p.getLast()) {
        return copied;
      }
    }
  }

  /**
   * The length a reader may see of the node's replica: for one still being written, the bytes
   * every pipeline node acknowledged; for a finalized one, its length.
   */
  public static long visibleLength(NodeConnections nodes, NodeInfo node, BlockInfo block, BlockToken token) throws IOException {
    return ask(nodes, node, TransferHeader.newBuilder().setReplicaLengthOp(ReplicaLengthOp.newBuilder().setBlock(block)
        .setToken(token)).build(),
        "length of block " + block.getBlockId()).getReplicaLength();
  }

  /** The CRC32C of the node's finalized replica of {@code block}, which must have the block's length. */
  public static int crc32c(NodeConnections nodes, NodeInfo node, BlockInfo block, BlockToken token) throws IOException {
    OpResponse r = ask(nodes, node, TransferHeader.newBuilder().setBlockChecksum(BlockChecksumOp.newBuilder().setBlock(block)
            .setToken(token))
        .build(), "checksum of block " + block.getBlockId());
    if (r.getReplicaLength() != block.getLength()) {
      throw new IOException("checksum of block " + block.getBlockId() + " on " + node.getNodeId() + ": the replica has "
          + r.getReplicaLength() + " bytes, the file " + block.getLength());
    }
    return r.getBlockCrc32C();
  }

  /** One question on a connection of its own; the answer if the node succeeded. */
  private static OpResponse ask(NodeConnections nodes, NodeInfo node, TransferHeader question, String what)
      throws IOException {
    try (BlockingFrameChannel ch = nodes.connect(node)) {
      ch.write(question);
      OpResponse r = ch.read().header().getResponse();
      if (r.getStatus() != TransferStatus.SUCCESS) {
        throw new IOException(what + " on " + node.getNodeId() + ": " + r.getStatus() + " " + r.getMessage());
      }
      return r;
    }
  }
}
