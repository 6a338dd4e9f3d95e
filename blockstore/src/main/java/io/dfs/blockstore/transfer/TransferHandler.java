package io.dfs.blockstore.transfer;

import io.dfs.blockstore.pipeline.PipelineReceiver;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.metadata.blocktokens.BlockTokenVerifier;
import io.dfs.proto.BlockAccess;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
import io.dfs.proto.OpResponse;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of one connection: operations one after another (block writes, reads, replica
 * transfers, length queries); a block write holds the connection until its last ack went upstream.
 * Every operation must bring a block access token for its block, stamp and access, checked here
 * before anything touches the disk. A token signed with a key the node has not heard of yet (a new
 * leader's) holds the connection's frames while the node fetches the leader's keys, once.
 */
final class TransferHandler extends SimpleChannelInboundHandler<TransferFrame> {
  private static final Logger LOG = LoggerFactory.getLogger(TransferHandler.class);
  private final NodeServices node;
  private PipelineReceiver receiver;
  private final ArrayDeque<TransferFrame> held = new ArrayDeque<>(); // while the node fetches keys
  private boolean fetchingKeys;
  private boolean keysFetched; // for the operation being checked: an unknown key now is refused
  private boolean refused; // the connection is closing: what the client sent after the refused operation is dropped

  /** What an operation asks of which block, with the token it brought. */
  private record Wanted(BlockInfo block, BlockToken token, BlockAccess access) {}

  TransferHandler(NodeServices node) {
    super(false);
    this.node = node;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TransferFrame frame) {
    if (fetchingKeys) {
      held.add(frame);
      return;
    }
    if (refused) {
      frame.release();
      return;
    }
    TransferHeader h = frame.header();
    try {
      if (receiver != null && !receiver.isDone()) {
        receiver.onFrame(frame);
        return;
      }
      receiver = null; // a block written cleanly: the connection takes the next operation
      Wanted wanted = wanted(h);
      if (wanted != null) {
        BlockTokenVerifier.Verdict verdict = node.tokens().check(wanted.token(), wanted.block(), wanted.access());
        if (verdict.unknownKey() && !keysFetched) {
          holdForKeys(ctx, frame);
          return;
        }
        keysFetched = false;
        if (!verdict.granted()) {
          frame.release();
          refused = true;
          node.metrics().counter("transfer.token_refusals").inc();
          LOG.info("refused {} of block {} from {}: {}", wanted.access(), wanted.block().getBlockId(),
              ctx.channel().remoteAddress(), verdict.reason());
          answerAndClose(ctx, OpResponse.newBuilder().setStatus(TransferStatus.ERROR_ACCESS_TOKEN)
              .setMessage(verdict.reason()).build());
          return;
        }
      }
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

  private static Wanted wanted(TransferHeader h) {
    return switch (h.getKindCase()) {
      case WRITE -> new Wanted(h.getWrite().getBlock(), h.getWrite().getToken(), BlockAccess.WRITE);
      case READ -> new Wanted(h.getRead().getBlock(), h.getRead().getToken(), BlockAccess.READ);
      case TRANSFER_REPLICA -> new Wanted(h.getTransferReplica().getBlock(), h.getTransferReplica().getToken(),
          BlockAccess.WRITE);
      case REPLICA_LENGTH_OP -> new Wanted(h.getReplicaLengthOp().getBlock(), h.getReplicaLengthOp().getToken(),
          h.getReplicaLengthOp().getFinalize() ? BlockAccess.WRITE : BlockAccess.READ);
      case BLOCK_CHECKSUM -> new Wanted(h.getBlockChecksum().getBlock(), h.getBlockChecksum().getToken(),
          BlockAccess.READ);
      default -> null;
    };
  }

  /** Stops reading and keeps this frame (and any that follow) until the leader's keys are in; then checks again. */
  private void holdForKeys(ChannelHandlerContext ctx, TransferFrame frame) {
    fetchingKeys = true;
    keysFetched = true;
    held.add(frame);
    node.metrics().counter("transfer.block_key_fetches").inc();
    ctx.channel().config().setAutoRead(false);
    node.fetchBlockKeys().get().whenComplete((done, error) -> ctx.executor().execute(() -> {
      fetchingKeys = false;
      ctx.channel().config().setAutoRead(true);
      if (!ctx.channel().isActive()) {
        releaseHeld();
        return;
      }
      for (TransferFrame f; !fetchingKeys && (f = held.poll()) != null; ) {
        channelRead0(ctx, f);
      }
    }));
  }

  private void releaseHeld() {
    for (TransferFrame f; (f = held.poll()) != null; ) {
      f.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseHeld();
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
