package io.dfs.blockstore.transfer;

import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaMeta;
import io.dfs.client.block.BlockWriter;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.proto.OpResponse;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferReplicaOp;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.WriteStage;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A surviving node's part in a pipeline recovery with a replacement (HDFS's transferBlock): it
 * copies the first {@code length} bytes of its unfinished replica to the new nodes, verifying each
 * chunk against its stored checksum first (a copy must never launder corrupt bytes into fresh
 * checksums); the targets keep the copy unfinished for the recovered pipeline. Copies run on their
 * own threads: they block on disk and on the targets' acks.
 */
final class ReplicaTransfer {
  private static final ExecutorService COPIES = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "replica-transfer");
    t.setDaemon(true);
    return t;
  });

  private ReplicaTransfer() {}

  static void start(NodeServices node, ChannelHandlerContext ctx, TransferReplicaOp op) {
    COPIES.execute(() -> {
      OpResponse answer = copy(node, op);
      ctx.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(answer).build()))
          .addListener(ChannelFutureListener.CLOSE);
    });
  }

  private static OpResponse copy(NodeServices node, TransferReplicaOp op) {
    Replica files = sourceOf(node, op);
    if (files == null) {
      return answer(TransferStatus.ERROR_NOT_FOUND, "no replica of block " + op.getBlock().getBlockId()
          + " with " + op.getLength() + " bytes on " + node.nodeId());
    }
    int bpc = files.bytesPerChecksum();
    try (BlockWriter out = BlockWriter.open(node.connections(), op.getTargetsList(), op.getBlock(), op.getToken(), WriteStage.TRANSFER,
        op.getClientId(), op.getLength());
         InputStream in = Files.newInputStream(files.data())) {
      byte[] buf = new byte[BlockWriter.PACKET_SIZE];
      long done = 0;
      while (done < op.getLength()) {
        int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, op.getLength() - done));
        if (n <= 0) {
          throw new IOException("replica shorter than " + op.getLength() + " bytes");
        }
        int[] stored = ReplicaMeta.read(files.meta(), done / bpc, ChunkChecksums.chunks(n, bpc));
        List<Integer> expected = new ArrayList<>(stored.length);
        for (int c : stored) {
          expected.add(c);
        }
        if (ChunkChecksums.firstMismatch(ByteBuffer.wrap(buf, 0, n), bpc, expected) >= 0) {
          return answer(TransferStatus.ERROR_CHECKSUM, "replica of block " + op.getBlock().getBlockId()
              + " on " + node.nodeId() + " fails its checksums");
        }
        out.writeAll(buf, 0, n);
        done += n;
      }
      out.finish();
      node.metrics().counter("replica.transfers").inc();
      return answer(TransferStatus.SUCCESS, "");
    } catch (IOException e) {
      return answer(TransferStatus.ERROR, e.getMessage());
    }
  }

  /**
   * The replica to copy from: the unfinished one, or a finalized one when the pipeline broke after
   * its last packet got here (either may carry a stamp from before a recovery that missed this node).
   */
  private static Replica sourceOf(NodeServices node, TransferReplicaOp op) {
    long stamp = op.getBlock().getGenerationStamp();
    return node.store().unfinishedUpTo(op.getBlock())
        .filter(w -> w.length() >= op.getLength())
        .map(w -> new Replica(w.block(), w.visible().data(), w.visible().meta(), w.bytesPerChecksum()))
        .or(() -> node.store().get(op.getBlock().getBlockId())
            .filter(r -> r.block().getGenerationStamp() <= stamp && r.block().getLength() >= op.getLength()))
        .orElse(null);
  }

  private static OpResponse answer(TransferStatus status, String message) {
    return OpResponse.newBuilder().setStatus(status).setMessage(String.valueOf(message)).build();
  }
}
