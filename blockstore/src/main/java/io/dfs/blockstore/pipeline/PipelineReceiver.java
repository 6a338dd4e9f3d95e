package io.dfs.blockstore.pipeline;

import io.dfs.blockstore.storage.ReplicaNotFoundException;
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
import io.dfs.proto.WriteStage;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
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
  /** Node metrics: block writes and reads in progress, and packets received and not yet acknowledged upstream. */
  public static final String TRANSFERS_ACTIVE = "transfers.active";
  public static final String PACKETS_QUEUED = "pipeline.packets.queued";
  /**
   * Timers: a block write from its setup to its last ack sent upstream, the connection to the
   * next node, and the local finalize (fsyncs and renames), so the dashboard shows where a small
   * file's pipeline time goes.
   */
  static final String BLOCK_WRITE = "pipeline.block_write";
  static final String DOWNSTREAM_CONNECT = "pipeline.downstream_connect";
  static final String FINALIZE = "pipeline.finalize";
  /** Counter: blocks that went to the next node over a connection kept from an earlier block. */
  static final String DOWNSTREAM_REUSED = "pipeline.downstream_reused";

  /** A packet whose ack waits for the downstream node's; {@code end}: its last byte's offset + 1. */
  private record Pending(long seqno, long end, TransferStatus local, boolean last) {}

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
  /** This node could not create its replica; its refusal went upstream. */
  private boolean refused;
  private boolean localFailed;
  private boolean finished;
  private boolean upstreamGone;
  private boolean done;
  /** Counted in the node's {@code transfers.active} until the upstream connection ends. */
  private boolean active;
  private final long startedNanos = System.nanoTime();

  public PipelineReceiver(NodeServices node, ChannelHandlerContext upstream, WriteBlockOp op) {
    this.node = node;
    this.upstream = upstream;
    this.op = op;
    if (op.getDownstreamCount() > 0) {
      // the setup goes on before this node creates its replica, so every node of the pipeline
      // creates its own at the same time rather than one after another (a small file's block
      // waited for three file creations in a row)
      connectDownstream();
    }
    int bpc = op.getBytesPerChecksum() > 0 ? op.getBytesPerChecksum() : ChunkChecksums.BYTES_PER_CHECKSUM;
    try {
      writer = switch (op.getStage()) {
        case RECOVERY -> node.store().recover(op.getBlock(), op.getResumeOffset(), bpc);
        case CREATE -> node.store().createNew(op.getBlock(), bpc);
        default -> node.store().create(op.getBlock(), bpc);
      };
    } catch (ReplicaNotFoundException e) {
      refuse(TransferStatus.ERROR_NOT_FOUND, e.getMessage());
      return;
    } catch (NoSpaceException e) {
      refuse(TransferStatus.ERROR_NO_SPACE, e.getMessage());
      return;
    } catch (IOException e) {
      refuse(TransferStatus.ERROR, e.toString());
      return;
    }
    active = true;
    node.metrics().counter(TRANSFERS_ACTIVE).inc();
    if (op.getDownstreamCount() == 0) {
      respond(TransferStatus.SUCCESS, "", "");
    } // else: once the next node answered (onDownstreamFrame)
  }

  /** This node cannot take the block: it says so and closes; the next node's part goes with the connection. */
  private void refuse(TransferStatus status, String message) {
    refused = true;
    if (downstream != null) {
      downstream.close();
      downstream = null;
    }
    releaseHeld();
    respondAndClose(status, message, node.nodeId());
  }

  private void connectDownstream() {
    NodeInfo next = op.getDownstream(0);
    WriteBlockOp forwarded = op.toBuilder().clearDownstream()
        .addAllDownstream(op.getDownstreamList().subList(1, op.getDownstreamCount())).build();
    DownstreamLink.Listener events = new DownstreamLink.Listener() {
      @Override
      public void onFrame(TransferFrame frame) {
        upstream.executor().execute(() -> onDownstreamFrame(frame));
      }

      @Override
      public void onClosed() {
        upstream.executor().execute(PipelineReceiver.this::onDownstreamClosed);
      }

      @Override
      public void onWritable(boolean writable) {
        upstream.channel().config().setAutoRead(writable);
      }
    };
    DownstreamLink idle = node.downstreams().take(next, events);
    if (idle != null) {
      node.metrics().counter(DOWNSTREAM_REUSED).inc();
      connected(idle, next, forwarded);
      return;
    }
    long connecting = System.nanoTime();
    DownstreamLink.connect(node.downstreamGroup(), node.tls(), next, events, link -> upstream.executor().execute(() -> {
      node.metrics().timer(DOWNSTREAM_CONNECT).update(System.nanoTime() - connecting, TimeUnit.NANOSECONDS);
      connected(link, next, forwarded);
    }));
  }

  /** The link to the next node is up (or null: unreachable): the setup goes first, then what was held. */
  private void connected(DownstreamLink link, NodeInfo next, WriteBlockOp forwarded) {
    if (refused) {
      if (link != null) {
        link.close();
      }
      return;
    }
    if (link == null) {
      releaseHeld();
      letGo();
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
  }

  /**
   * The block's last ack went upstream with every node's success: the connection it came on may
   * carry the client's or the previous node's next block (see {@link DownstreamPool}).
   */
  public boolean isDone() {
    return done;
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
      local = op.getStage() == WriteStage.TRANSFER ? keepUnfinished(p) : finalizeLocally();
    }
    pending.add(new Pending(p.getSeqno(), p.getOffsetInBlock() + p.getDataLength(), local, p.getLast()));
    node.metrics().counter(PACKETS_QUEUED).inc();
    drain();
  }

  /**
   * Verifies and appends one packet. A packet continues the replica at its length, or (after an
   * hflush that ended inside a chunk) starts at that partial chunk and rewrites it whole, so every
   * stored checksum always covers a whole chunk from its start.
   */
  private TransferStatus writeLocally(Packet p, TransferFrame frame) {
    long length = writer.length();
    long offset = p.getOffsetInBlock();
    int bpc = writer.bytesPerChecksum();
    if (offset != length && (offset > length || offset % bpc != 0 || length - offset >= bpc)) {
      LOG.warn("block {}: packet at {} but replica has {} bytes", op.getBlock().getBlockId(), offset, length);
      return TransferStatus.ERROR;
    }
    ByteBuffer data = frame.data() == null ? ByteBuffer.allocate(0) : frame.buffer().nioBuffer();
    if (p.getChecksumsCount() != ChunkChecksums.chunks(data.remaining(), bpc)
        || ChunkChecksums.firstMismatch(data, bpc, p.getChecksumsList()) >= 0) {
      node.metrics().counter("checksum.errors").inc();
      return TransferStatus.ERROR_CHECKSUM;
    }
    try {
      if (offset != length) {
        writer.truncate(offset);
      }
      int[] crcs = new int[p.getChecksumsCount()];
      for (int i = 0; i < crcs.length; i++) {
        crcs[i] = p.getChecksums(i);
      }
      if (data.hasRemaining()) {
        writer.append(data, crcs);
      }
      if (p.getSync() && !p.getLast()) {
        writer.force(); // the last packet's finalize fsyncs anyway
      }
      node.metrics().meter("bytes.written").mark(p.getDataLength());
      return TransferStatus.SUCCESS;
    } catch (NoSpaceException e) {
      return TransferStatus.ERROR_NO_SPACE;
    } catch (IOException e) {
      LOG.warn("block {}: local write failed", op.getBlock().getBlockId(), e);
      return TransferStatus.ERROR;
    }
  }

  /** A transferred copy: complete up to here, left unfinished for the recovered pipeline to continue. */
  private TransferStatus keepUnfinished(Packet last) {
    writer.acknowledge(last.getOffsetInBlock() + last.getDataLength());
    writer.detach();
    finished = true;
    return TransferStatus.SUCCESS;
  }

  private TransferStatus finalizeLocally() {
    try (var timer = node.metrics().timer(FINALIZE).time()) {
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
    if (refused) {
      return; // this node's refusal went up already
    }
    TransferHeader h = frame.header();
    if (h.hasResponse()) {
      OpResponse r = h.getResponse();
      if (r.getStatus() == TransferStatus.SUCCESS) {
        respond(TransferStatus.SUCCESS, "", "");
      } else {
        letGo();
        String bad = r.getFirstBadNode().isEmpty() ? op.getDownstream(0).getNodeId() : r.getFirstBadNode();
        respondAndClose(r.getStatus(), r.getMessage(), bad);
      }
    } else if (h.hasAck()) {
      earlyAcks.add(h.getAck());
      drain();
    }
  }

  private void onDownstreamClosed() {
    upstream.channel().config().setAutoRead(true); // nothing waits to go downstream any more
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
      node.metrics().counter(PACKETS_QUEUED).dec();
      boolean everyNode = ack.getRepliesList().stream().allMatch(r -> r == TransferStatus.SUCCESS);
      if (everyNode) {
        writer.acknowledge(head.end());
      }
      upstream.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setAck(ack).build()));
      if (head.last()) {
        node.metrics().timer(BLOCK_WRITE).update(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        endBlock(everyNode);
      }
    }
  }

  /** After the last ack: a clean block leaves both connections reusable, any failure closes the downstream one. */
  private void endBlock(boolean clean) {
    if (downstream != null) {
      if (clean && !downstreamFailed) {
        node.downstreams().giveBack(downstream);
      } else {
        downstream.close();
      }
      downstream = null;
    }
    upstream.channel().config().setAutoRead(true); // nothing waits to go downstream any more
    done = clean;
    if (clean && active) {
      active = false;
      node.metrics().counter(TRANSFERS_ACTIVE).dec();
    }
  }

  /**
   * The client or upstream node went away. An unfinished replica of a client's block stays for a
   * pipeline or lease recovery; a failed copy between nodes, or a replica that failed here, is dropped.
   */
  public void upstreamClosed() {
    upstreamGone = true;
    node.metrics().counter(PACKETS_QUEUED).dec(pending.size());
    pending.clear();
    if (active) {
      active = false;
      node.metrics().counter(TRANSFERS_ACTIVE).dec();
    }
    releaseHeld();
    letGo();
    if (downstream != null) {
      downstream.close();
    }
  }

  private void releaseHeld() {
    while (!held.isEmpty()) {
      held.poll().release();
    }
  }

  /** This pipeline is over before its last packet: keep the replica for a recovery when one may come. */
  private void letGo() {
    boolean clientWrite = op.getStage() == WriteStage.CREATE || op.getStage() == WriteStage.RECOVERY;
    if (writer != null && !finished && !localFailed && clientWrite) {
      writer.detach();
      finished = true;
    } else {
      abort();
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
