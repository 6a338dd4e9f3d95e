package io.dfs.blockstore.pipeline;

import io.dfs.blockstore.storage.ReplicaWriter;
import io.dfs.blockstore.transfer.NodeServices;
import io.dfs.client.error.NoSpaceException;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import io.dfs.proto.Packet;
import io.dfs.proto.PacketAck;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.WriteBlockOp;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's part in a write pipeline. Each packet is forwarded downstream first (so the next
 * node works in parallel), then verified and written here; its ack goes upstream once both this
 * node's result and the downstream ack for it are known, in packet order. The last packet's ack
 * means the replica is fsync'd and finalized here. A failed downstream node shows up as ERROR in
 * its slot of every later ack, so the client can rebuild the pipeline without it.
 *
 * <p>Packets may follow the setup header without waiting for this node's answer (a small block
 * travels with its setup): those that arrive before the downstream connection is up are held and
 * forwarded, in order, right after the setup header.
 *
 * <p>All methods run on the upstream channel's executor; downstream events hop onto it.
 */
public final class PipelineReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineReceiver.class);

  private record Pending(long seqno, TransferStatus local, boolean last) {}

  private final NodeServices node;
  private final ChannelHandlerContext upstream;
  private final WriteBlockOp op;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private final Deque<PacketAck> earlyAcks = new ArrayDeque<>();
  /** Packets for the downstream node that arrived before its connection was up. */
  private final Deque<TransferFrame> held = new ArrayDeque<>();
  private ReplicaWriter writer;
  private DownstreamLink downstream;
  private boolean downstreamFailed;
  private boolean localFailed;
  private boolean finished;
  private boolean upstreamGone;

  public PipelineReceiver(NodeServices node, ChannelHandlerContext upstream, WriteBlockOp op) {
    this.node = node;
    this.upstream = upstream;
    this.op = op;
    try {
      writer = node.store().create(op.getBlock(), op.getBytesPerChecksum() > 0
          ? op.getBytesPerChecksum() : ChunkChecksums.BYTES_PER_CHECKSUM);
    } catch (NoSpaceException e) {
      respondAndClose(TransferStatus.ERROR_NO_SPACE, e.getMessage(), node.nodeId());
      return;
    } catch (IOException e) {
      respondAndClose(TransferStatus.ERROR, e.toString(), node.nodeId());
      return;
    }
    if (op.getDownstreamCount() == 0) {
      respond(TransferStatus.SUCCESS, "", "");
      return;
    }
    NodeInfo next = op.getDownstream(0);
    WriteBlockOp forwarded = op.toBuilder().clearDownstream()
        .addAllDownstream(op.getDownstreamList().subList(1, op.getDownstreamCount())).build();
    DownstreamLink.connect(node.downstreamGroup(), next,
        frame -> upstream.executor().execute(() -> onDownstreamFrame(frame)),
        () -> upstream.executor().execute(this::onDownstreamClosed),
        link -> upstream.executor().execute(() -> {
          if (link == null) {
            releaseHeld();
            abort();
            respondAndClose(TransferStatus.ERROR, "cannot reach " + next.getNodeId(), next.getNodeId());
            return;
          }
          if (upstreamGone) {
            link.close(); // the upstream went away while this node was connecting
            return;
          }
          downstream = link;
          link.send(TransferHeader.newBuilder().setWrite(forwarded).build());
          while (!held.isEmpty()) {
            link.send(held.poll());
          }
        }));
  }

  /** A packet from upstream. */
  public void onFrame(TransferFrame frame) {
    if (!frame.header().hasPacket() || writer == null || finished) {
      frame.release();
      return;
    }
    Packet p = frame.header().getPacket();
    if (op.getDownstreamCount() > 0 && !downstreamFailed) {
      // a duplicate: the downstream channel advances its reader index as it sends, on its own
      // thread, while this node still verifies and writes the same bytes (sharing the index
      // made healthy nodes fail packets with checksum errors and drop out of pipelines)
      TransferFrame copy = new TransferFrame(frame.header(),
          frame.data() == null ? null : frame.buffer().retainedDuplicate(), frame.dataLength());
      if (downstream != null) {
        downstream.send(copy);
      } else {
        held.add(copy);
      }
    }
    TransferStatus local = localFailed ? TransferStatus.ERROR : writeLocally(p, frame);
    frame.release();
    if (local != TransferStatus.SUCCESS) {
      localFailed = true;
    }
    if (p.getLast() && local == TransferStatus.SUCCESS) {
      local = finalizeLocally();
    }
    pending.add(new Pending(p.getSeqno(), local, p.getLast()));
    drain();
  }

  private TransferStatus writeLocally(Packet p, TransferFrame frame) {
    if (p.getOffsetInBlock() != writer.length()) {
      LOG.warn("block {}: packet at {} but replica has {} bytes", op.getBlock().getBlockId(),
          p.getOffsetInBlock(), writer.length());
      return TransferStatus.ERROR;
    }
    if (frame.data() == null) {
      return TransferStatus.SUCCESS;
    }
    ByteBuffer data = frame.buffer().nioBuffer();
    int bpc = op.getBytesPerChecksum() > 0 ? op.getBytesPerChecksum() : ChunkChecksums.BYTES_PER_CHECKSUM;
    if (p.getChecksumsCount() != ChunkChecksums.chunks(data.remaining(), bpc)
        || ChunkChecksums.firstMismatch(data, bpc, p.getChecksumsList()) >= 0) {
      node.metrics().counter("checksum.errors").inc();
      return TransferStatus.ERROR_CHECKSUM;
    }
    try {
      int[] crcs = new int[p.getChecksumsCount()];
      for (int i = 0; i < crcs.length; i++) {
        crcs[i] = p.getChecksums(i);
      }
      writer.append(data, crcs);
      node.metrics().meter("bytes.written").mark(p.getDataLength());
      return TransferStatus.SUCCESS;
    } catch (NoSpaceException e) {
      return TransferStatus.ERROR_NO_SPACE;
    } catch (IOException e) {
      LOG.warn("block {}: local write failed", op.getBlock().getBlockId(), e);
      return TransferStatus.ERROR;
    }
  }

  private TransferStatus finalizeLocally() {
    try {
      var replica = node.store().finalizeReplica(writer);
      finished = true;
      node.onFinalized().accept(replica.block());
      return TransferStatus.SUCCESS;
    } catch (IOException e) {
      LOG.warn("block {}: finalize failed", op.getBlock().getBlockId(), e);
      return TransferStatus.ERROR;
    }
  }

  private void onDownstreamFrame(TransferFrame frame) {
    frame.release();
    TransferHeader h = frame.header();
    if (h.hasResponse()) {
      OpResponse r = h.getResponse();
      if (r.getStatus() == TransferStatus.SUCCESS) {
        respond(TransferStatus.SUCCESS, "", "");
      } else {
        abort();
        String bad = r.getFirstBadNode().isEmpty() ? op.getDownstream(0).getNodeId() : r.getFirstBadNode();
        respondAndClose(r.getStatus(), r.getMessage(), bad);
      }
    } else if (h.hasAck()) {
      earlyAcks.add(h.getAck());
      drain();
    }
  }

  private void onDownstreamClosed() {
    if (downstream != null && !downstreamFailed && !(finished && pending.isEmpty())) {
      downstreamFailed = true;
      node.metrics().counter("pipeline.downstream_failures").inc();
      LOG.info("block {}: downstream {} failed", op.getBlock().getBlockId(), op.getDownstream(0).getNodeId());
      drain();
    }
  }

  /** Sends every ack whose local and downstream parts are both known, in order. */
  private void drain() {
    while (!pending.isEmpty()) {
      Pending head = pending.peek();
      PacketAck.Builder ack = PacketAck.newBuilder().setSeqno(head.seqno())
          .addReplies(head.local()).addNodeIds(node.nodeId());
      if (downstream != null || op.getDownstreamCount() > 0) {
        if (!earlyAcks.isEmpty()) {
          PacketAck down = earlyAcks.poll();
          ack.addAllReplies(down.getRepliesList()).addAllNodeIds(down.getNodeIdsList());
        } else if (downstreamFailed) {
          ack.addReplies(TransferStatus.ERROR).addNodeIds(op.getDownstream(0).getNodeId());
        } else {
          return; // wait for the downstream ack
        }
      }
      pending.poll();
      upstream.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setAck(ack).build()));
      if (head.last() && downstream != null) {
        downstream.close();
      }
    }
  }

  /** The client or upstream node went away: an unfinished replica is dropped. */
  public void upstreamClosed() {
    upstreamGone = true;
    releaseHeld();
    abort();
    if (downstream != null) {
      downstream.close();
    }
  }

  private void releaseHeld() {
    while (!held.isEmpty()) {
      held.poll().release();
    }
  }

  private void abort() {
    if (writer != null && !finished) {
      writer.abort();
      finished = true;
    }
  }

  private void respond(TransferStatus status, String message, String badNode) {
    upstream.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(OpResponse.newBuilder()
        .setStatus(status).setMessage(message).setFirstBadNode(badNode)).build()));
  }

  private void respondAndClose(TransferStatus status, String message, String badNode) {
    upstream.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(OpResponse.newBuilder()
        .setStatus(status).setMessage(message).setFirstBadNode(badNode)).build()))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
