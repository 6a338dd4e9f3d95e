package io.dfs.client.block;

import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockInfo;
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

  /**
   * Reads {@code length} bytes at {@code offset} of the block into {@code dst}; returns how many
   * were read (fewer only at the end of the replica).
   */
  public static int read(NodeInfo node, BlockInfo block, long offset, byte[] dst, int dstOffset, int length,
      String clientId) throws IOException {
    try (BlockingFrameChannel ch = BlockingFrameChannel.connect(node.getHost(), node.getDataPort(), 5_000,
        BlockWriter.TIMEOUT_MS)) {
      ch.write(TransferHeader.newBuilder().setRead(ReadBlockOp.newBuilder().setBlock(block)
          .setOffset(offset).setLength(length).setClientId(clientId)).build());
      TransferHeader first = ch.read().header();
      OpResponse r = first.getResponse();
      if (r.getStatus() != TransferStatus.SUCCESS) {
        throw new IOException("read of block " + block.getBlockId() + " from " + node.getNodeId() + " failed: "
            + r.getStatus() + " " + r.getMessage());
      }
      int bpc = r.getBytesPerChecksum();
      long end = Math.min(offset + length, r.getReplicaLength());
      int copied = 0;
      while (true) {
        BlockingFrameChannel.Frame frame = ch.read();
        Packet p = frame.header().getPacket();
        ByteBuffer data = ByteBuffer.wrap(frame.data());
        if (ChunkChecksums.firstMismatch(data, bpc, p.getChecksumsList()) >= 0) {
          throw new ChecksumException("checksum mismatch in block " + block.getBlockId() + " at "
              + p.getOffsetInBlock() + " from " + node.getNodeId());
        }
        long from = Math.max(offset, p.getOffsetInBlock());
        long to = Math.min(end, p.getOffsetInBlock() + frame.data().length);
        if (to > from) {
          int n = (int) (to - from);
          System.arraycopy(frame.data(), (int) (from - p.getOffsetInBlock()), dst, dstOffset + copied, n);
          copied += n;
        }
        if (p.getLast()) {
          return copied;
        }
      }
    }
  }

  /**
   * The length a reader may see of the node's replica: for one still being written, the bytes
   * every pipeline node acknowledged; for a finalized one, its length.
   */
  public static long visibleLength(NodeInfo node, BlockInfo block) throws IOException {
    try (BlockingFrameChannel ch = BlockingFrameChannel.connect(node.getHost(), node.getDataPort(), 5_000,
        BlockWriter.TIMEOUT_MS)) {
      ch.write(TransferHeader.newBuilder().setReplicaLengthOp(ReplicaLengthOp.newBuilder().setBlock(block)).build());
      OpResponse r = ch.read().header().getResponse();
      if (r.getStatus() != TransferStatus.SUCCESS) {
        throw new IOException("length of block " + block.getBlockId() + " on " + node.getNodeId() + ": "
            + r.getStatus() + " " + r.getMessage());
      }
      return r.getReplicaLength();
    }
  }
}
