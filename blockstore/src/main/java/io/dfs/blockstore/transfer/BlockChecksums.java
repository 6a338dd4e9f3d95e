package io.dfs.blockstore.transfer;

import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaMeta;
import io.dfs.client.checksum.Crc32cComposition;
import io.dfs.proto.BlockChecksumOp;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.TransferStatus;
import java.io.IOException;
import java.util.Optional;

/**
 * Answers {@code BlockChecksumOp}: the CRC32C of a finalized replica, composed from the chunk
 * checksums in its meta file (the data is not read; the scanner is what checks data against them).
 */
final class BlockChecksums {
  private final NodeServices node;

  BlockChecksums(NodeServices node) {
    this.node = node;
  }

  OpResponse answer(BlockChecksumOp op) {
    BlockInfo block = op.getBlock();
    Optional<Replica> replica = node.store().finalized(block);
    if (replica.isEmpty()) {
      return OpResponse.newBuilder().setStatus(TransferStatus.ERROR_NOT_FOUND).setMessage("no finalized replica of block "
          + block.getBlockId() + " generation " + block.getGenerationStamp()).build();
    }
    Replica r = replica.get();
    long length = r.block().getLength();
    int chunks = (int) ((length + r.bytesPerChecksum() - 1) / r.bytesPerChecksum());
    try {
      int crc = Crc32cComposition.ofChunks(ReplicaMeta.read(r.meta(), 0, chunks), r.bytesPerChecksum(), length);
      return OpResponse.newBuilder().setStatus(TransferStatus.SUCCESS).setReplicaLength(length)
          .setBlockCrc32C(crc).build();
    } catch (IOException e) {
      return OpResponse.newBuilder().setStatus(TransferStatus.ERROR).setMessage(e.toString()).build();
    }
  }
}
