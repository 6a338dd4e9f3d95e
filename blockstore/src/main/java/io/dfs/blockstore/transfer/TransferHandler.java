package io.dfs.blockstore.transfer;

import io.dfs.blockstore.pipeline.PipelineReceiver;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.proto.OpResponse;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of one connection: operations one after another (block writes, reads, replica
 * transfers, length queries); a block write holds the connection until its last ack went upstream.
 */
final class TransferHandler extends SimpleChannelInboundHandler<TransferFrame> {
  private static final Logger LOG = LoggerFactory.getLogger(TransferHandler.class);
  private final NodeServices node;
  private PipelineReceiver receiver;

  TransferHandler(NodeServices node) {
    super(false);
    this.node = node;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TransferFrame frame) {
    TransferHeader h = frame.header();
    try {
      if (receiver != null && !receiver.isDone()) {
        receiver.onFrame(frame);
        return;
      }
      receiver = null; // a block written cleanly: the connection takes the next operation
      switch (h.getKindCase()) {
        case WRITE -> {
          frame.release();
          receiver = new PipelineReceiver(node, ctx, h.getWrite());
        }
        case READ -> {
          frame.release();
          new BlockSender(node, ctx, h.getRead()).send();
        }
        case TRANSFER_REPLICA -> {
          frame.release();
          ReplicaTransfer.start(node, ctx, h.getTransferReplica());
        }
        case REPLICA_LENGTH_OP -> {
          frame.release();
          answerAndClose(ctx, new ReplicaLengths(node).answer(h.getReplicaLengthOp()));
        }
        case BLOCK_CHECKSUM -> {
          frame.release();
          answerAndClose(ctx, new BlockChecksums(node).answer(h.getBlockChecksum()));
        }
        default -> {
          frame.release();
          fail(ctx, "expected an operation, got " + h.getKindCase());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("transfer failed", e);
      fail(ctx, e.toString());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (receiver != null) {
      receiver.upstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("transfer connection error", cause);
    ctx.close();
  }

  private static void answerAndClose(ChannelHandlerContext ctx, OpResponse response) {
    ctx.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(response).build()))
        .addListener(ChannelFutureListener.CLOSE);
  }

  static void fail(ChannelHandlerContext ctx, String message) {
    answerAndClose(ctx, OpResponse.newBuilder().setStatus(TransferStatus.ERROR).setMessage(message).build());
  }
}
