package io.dfs.client.block;

import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.Packet;
import io.dfs.proto.PacketAck;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.WriteBlockOp;
import io.dfs.proto.WriteStage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams one block through a pipeline of storage nodes: packets go to the first node while a
 * reader thread collects the acks, with a bounded window of unacknowledged packets. Used by clients
 * for new blocks and by storage nodes to copy a replica to another node.
 *
 * <p>The pipeline is set up with the first packet: the setup header and the first packet leave in
 * one write and the nodes' setup answer arrives ahead of the acks, so a block that fits in one
 * packet (a small file) costs one round trip through the pipeline, not two. A node that cannot
 * take part shows up as a {@link PipelineException} from {@link #write} or {@link #finish}, which
 * the writer handles like any pipeline failure (it kept the block's bytes).
 */
public final class BlockWriter implements Closeable {
  public static final int PACKET_SIZE = 16 * ChunkChecksums.BYTES_PER_CHECKSUM; // 1 MiB
  private static final int WINDOW_PACKETS = 16;
  static final int TIMEOUT_MS = 60_000;

  private final List<NodeInfo> pipeline;
  private final BlockInfo block;
  private final TransferHeader setup;
  private BlockingFrameChannel channel;
  private final Semaphore window = new Semaphore(WINDOW_PACKETS);
  private final AtomicReference<PipelineException> failure = new AtomicReference<>();
  private final AtomicLong ackedPackets = new AtomicLong();
  private final Thread ackReader;
  private final byte[] packet = new byte[PACKET_SIZE];
  private int packetFill;
  private long offset;
  private long seqno;
  private volatile boolean lastAcked;
  private volatile long lastSeqno = -1;

  private BlockWriter(List<NodeInfo> pipeline, BlockInfo block, TransferHeader setup) {
    this.pipeline = pipeline;
    this.block = block;
    this.setup = setup;
    this.ackReader = new Thread(this::readAcks, "acks-blk_" + block.getBlockId());
    this.ackReader.setDaemon(true);
  }

  /** A writer for the block through these nodes; nothing is sent before the first packet. */
  public static BlockWriter open(List<NodeInfo> pipeline, BlockInfo block, WriteStage stage, String clientId,
      long expectedLength) throws PipelineException {
    if (pipeline.isEmpty()) {
      throw new PipelineException("no storage nodes to write block " + block.getBlockId() + " to", "",
          TransferStatus.ERROR);
    }
    return new BlockWriter(pipeline, block, TransferHeader.newBuilder().setWrite(WriteBlockOp.newBuilder()
        .setBlock(block).addAllDownstream(pipeline.subList(1, pipeline.size()))
        .setClientId(clientId).setStage(stage).setBytesPerChecksum(ChunkChecksums.BYTES_PER_CHECKSUM)
        .setExpectedLength(expectedLength)).build());
  }

  /** Connects to the first node and queues the setup header ahead of the first packet. */
  private void connect() throws PipelineException {
    NodeInfo first = pipeline.get(0);
    try {
      channel = BlockingFrameChannel.connect(first.getHost(), first.getDataPort(), 5_000, TIMEOUT_MS);
    } catch (IOException e) {
      throw new PipelineException("cannot reach " + first.getNodeId() + ": " + e.getMessage(), first.getNodeId(),
          TransferStatus.ERROR);
    }
    try {
      channel.write(setup, null, 0, 0);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new PipelineException("pipeline setup failed at " + first.getNodeId() + ": " + e.getMessage(),
          first.getNodeId(), TransferStatus.ERROR);
    }
    ackReader.start();
  }

  public void write(byte[] data, int off, int len) throws PipelineException {
    while (len > 0) {
      int n = Math.min(len, PACKET_SIZE - packetFill);
      System.arraycopy(data, off, packet, packetFill, n);
      packetFill += n;
      off += n;
      len -= n;
      if (packetFill == PACKET_SIZE) {
        sendPacket(false);
      }
    }
  }

  /** Sends what is buffered as the last packet and waits until every node acknowledged the block. */
  public BlockInfo finish() throws PipelineException {
    sendPacket(true);
    try {
      if (!window.tryAcquire(WINDOW_PACKETS, TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        throw new PipelineException("timed out waiting for acks of block " + block.getBlockId(),
            pipeline.get(0).getNodeId(), TransferStatus.ERROR);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted", "", TransferStatus.ERROR);
    }
    checkFailure();
    if (!lastAcked) {
      throw new PipelineException("pipeline closed before the last ack", pipeline.get(0).getNodeId(),
          TransferStatus.ERROR);
    }
    closeQuietly(channel);
    return block.toBuilder().setLength(offset).build();
  }

  public long bytesSent() {
    return offset + packetFill;
  }

  private void sendPacket(boolean last) throws PipelineException {
    if (channel == null) {
      connect();
    }
    checkFailure();
    try {
      while (!window.tryAcquire(1, 1, TimeUnit.SECONDS)) {
        checkFailure();
        if (!ackReader.isAlive()) {
          throw new PipelineException("ack stream ended", pipeline.get(0).getNodeId(), TransferStatus.ERROR);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted", "", TransferStatus.ERROR);
    }
    int[] crcs = ChunkChecksums.compute(ByteBuffer.wrap(packet, 0, packetFill), ChunkChecksums.BYTES_PER_CHECKSUM);
    if (last) {
      lastSeqno = seqno;
    }
    Packet.Builder p = Packet.newBuilder().setSeqno(seqno++).setOffsetInBlock(offset)
        .setDataLength(packetFill).setLast(last);
    for (int c : crcs) {
      p.addChecksums(c);
    }
    try {
      channel.write(TransferHeader.newBuilder().setPacket(p).build(), packet, 0, packetFill);
      channel.flush();
    } catch (IOException e) {
      awaitAckReader(); // a node that refused the setup closed the connection: its answer names who failed
      checkFailure();
      throw new PipelineException("send to " + pipeline.get(0).getNodeId() + " failed: " + e.getMessage(),
          pipeline.get(0).getNodeId(), TransferStatus.ERROR);
    }
    offset += packetFill;
    packetFill = 0;
  }

  private void readAcks() {
    try {
      while (!lastAcked) {
        var frame = channel.read().header();
        if (frame.hasResponse() && frame.getResponse().getStatus() != TransferStatus.SUCCESS) {
          var r = frame.getResponse();
          String bad = r.getFirstBadNode().isEmpty() ? pipeline.get(0).getNodeId() : r.getFirstBadNode();
          fail(new PipelineException("pipeline setup failed: " + r.getStatus() + " " + r.getMessage(), bad,
              r.getStatus()));
          return;
        }
        if (!frame.hasAck()) {
          continue;
        }
        PacketAck ack = frame.getAck();
        for (int i = 0; i < ack.getRepliesCount(); i++) {
          if (ack.getReplies(i) != TransferStatus.SUCCESS) {
            String bad = i < ack.getNodeIdsCount() ? ack.getNodeIds(i) : pipeline.get(Math.min(i, pipeline.size() - 1)).getNodeId();
            fail(new PipelineException("node " + bad + " failed packet " + ack.getSeqno() + ": " + ack.getReplies(i),
                bad, ack.getReplies(i)));
            return;
          }
        }
        if (ack.getRepliesCount() < pipeline.size()) {
          String bad = pipeline.get(ack.getRepliesCount()).getNodeId();
          fail(new PipelineException("no ack from " + bad, bad, TransferStatus.ERROR));
          return;
        }
        ackedPackets.incrementAndGet();
        if (ack.getSeqno() == lastSeqno) {
          lastAcked = true;
        }
        window.release();
      }
    } catch (IOException e) {
      fail(new PipelineException("lost connection to " + pipeline.get(0).getNodeId() + ": " + e.getMessage(),
          pipeline.get(0).getNodeId(), TransferStatus.ERROR));
    }
  }

  private void awaitAckReader() {
    try {
      ackReader.join(1_000);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  private void fail(PipelineException e) {
    failure.compareAndSet(null, e);
    window.release(WINDOW_PACKETS);
    closeQuietly(channel);
  }

  private void checkFailure() throws PipelineException {
    PipelineException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void closeQuietly(Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing a broken connection
    }
  }
}
