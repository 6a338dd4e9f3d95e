package io.dfs.client.block;

import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockToken;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams one block through one pipeline of storage nodes, the way HDFS's DataStreamer does:
 * bytes fill a packet; a full packet is sent and moves to the ack queue; it leaves the ack queue
 * when every node acknowledged it. At most {@link #WINDOW_PACKETS} packets are unacknowledged, so
 * a stream holds a few MiB whatever its block size.
 *
 * <p>When the pipeline fails (a {@link PipelineException} from any step), the writer keeps the
 * unacknowledged packets and the packet being filled; {@link #resumeOn} builds the writer for the
 * recovered pipeline, which cuts the nodes' replicas to the first unacknowledged byte and resends
 * only from there. Every step is idempotent, so the caller simply repeats the step that failed on
 * the new writer.
 *
 * <p>After {@link #flush} ends a packet inside a checksum chunk, the next packet starts at that
 * chunk again and rewrites it whole (the nodes replace the partial chunk), so every checksum on
 * disk covers a chunk from its start.
 *
 * <p>The setup travels with the first packet: a block that fits in one packet costs one round trip.
 * Used by clients for new blocks and by storage nodes to copy a replica to another node.
 *
 * <p>Threads: the writing thread calls every public method; the ack reader thread only takes
 * acknowledged packets off the ack queue. Both hold this object's monitor for the queue.
 */
public final class BlockWriter implements Closeable {
  public static final int PACKET_SIZE = 8 * ChunkChecksums.BYTES_PER_CHECKSUM; // 512 KiB
  /** Unacknowledged packets per stream: 8 x 512 KiB = 4 MiB in flight at most (fewer, larger packets measured faster than 16 x 256 KiB). */
  static final int WINDOW_PACKETS = 8;
  static final int TIMEOUT_MS = 60_000;
  private static final int FIRST_BUFFER = 16 << 10;

  /** A packet kept until every pipeline node acknowledged it, so a recovery can resend it. */
  public record SentPacket(long offset, byte[] data, int length, int[] checksums, boolean last, boolean sync) {
    long end() {
      return offset + length;
    }
  }

  private record InFlight(long seqno, SentPacket packet) {}

  private final List<NodeInfo> pipeline;
  private final NodeConnections nodes;
  private final BlockInfo block;
  private final TransferHeader setup;
  private final int bytesPerChecksum = ChunkChecksums.BYTES_PER_CHECKSUM;

  private final ArrayDeque<InFlight> ackQueue = new ArrayDeque<>(); // guarded by this
  private PipelineException failure; // guarded by this
  private long acknowledged; // guarded by this
  private boolean lastAcked; // guarded by this

  /** A failed pipeline's unacknowledged packets, not yet sent on this one. */
  private final ArrayDeque<SentPacket> toResend = new ArrayDeque<>();
  private BlockingFrameChannel channel;
  private boolean reused; // the connection was kept from an earlier exchange with the first node
  private volatile boolean answered; // the first node has sent something on this connection
  private Thread ackReader;
  private byte[] packet;
  private int packetFill;
  private long packetOffset;
  private long seqno;
  private boolean lastSent;
  private long bytesResent;

  private BlockWriter(NodeConnections nodes, List<NodeInfo> pipeline, BlockInfo block, WriteBlockOp setup) {
    this.nodes = nodes;
    this.pipeline = List.copyOf(pipeline);
    this.block = block;
    this.setup = TransferHeader.newBuilder().setWrite(setup).build();
  }

  /** A writer for a new block (or a replica copy) through these nodes; nothing is sent before the first packet. */
  public static BlockWriter open(NodeConnections nodes, List<NodeInfo> pipeline, BlockInfo block, BlockToken token, WriteStage stage,
      String clientId, long expectedLength) throws PipelineException {
    return new BlockWriter(nodes, requireNodes(pipeline, block), block, setup(pipeline, block, token, stage, clientId)
        .setExpectedLength(expectedLength).build());
  }

  /**
   * The writer that continues this failed one on the recovered pipeline: {@code recovered} carries
   * the new generation stamp; the nodes cut their replicas to {@link #resumeOffset()} and this
   * writer's unacknowledged packets are sent again, then its partly filled packet continues.
   */
  public BlockWriter resumeOn(List<NodeInfo> recoveredPipeline, BlockInfo recovered, BlockToken token,
      String clientId) throws PipelineException {
    BlockWriter next = new BlockWriter(nodes, requireNodes(recoveredPipeline, recovered), recovered,
        setup(recoveredPipeline, recovered, token, WriteStage.RECOVERY, clientId).setResumeOffset(resumeOffset()).build());
    next.toResend.addAll(unacknowledged());
    next.packet = packet;
    next.packetFill = packetFill;
    next.packetOffset = packetOffset;
    next.bytesResent = bytesResent;
    synchronized (this) {
      next.acknowledged = Math.min(acknowledged, next.resumeOffset());
    }
    packet = null;
    packetFill = 0;
    close();
    return next;
  }

  private static List<NodeInfo> requireNodes(List<NodeInfo> pipeline, BlockInfo block) throws PipelineException {
    if (pipeline.isEmpty()) {
      throw new PipelineException("no storage nodes to write block " + block.getBlockId() + " to", "",
          TransferStatus.ERROR);
    }
    return pipeline;
  }

  private static WriteBlockOp.Builder setup(List<NodeInfo> pipeline, BlockInfo block, BlockToken token,
      WriteStage stage, String clientId) {
    return WriteBlockOp.newBuilder().setBlock(block).setToken(token).addAllDownstream(pipeline.subList(1, pipeline.size()))
        .setClientId(clientId).setStage(stage).setBytesPerChecksum(ChunkChecksums.BYTES_PER_CHECKSUM);
  }

  // ------------------------------------------------------------------ steps (writing thread)

  /** Copies as much as fits in the current packet (never blocks, never fails); returns how much. */
  public int buffer(byte[] data, int off, int len) {
    int n = Math.min(len, PACKET_SIZE - packetFill);
    if (packet == null || packet.length < packetFill + n) {
      int size = Math.max(FIRST_BUFFER, packet == null ? 0 : packet.length);
      while (size < packetFill + n) {
        size *= 2;
      }
      byte[] grown = new byte[Math.min(size, PACKET_SIZE)];
      if (packetFill > 0) {
        System.arraycopy(packet, 0, grown, 0, packetFill);
      }
      packet = grown;
    }
    System.arraycopy(data, off, packet, packetFill, n);
    packetFill += n;
    return n;
  }

  public boolean packetFull() {
    return packetFill == PACKET_SIZE;
  }

  /** Sends what a recovery still owes, then the current packet if it is full. */
  public void sendIfFull() throws PipelineException {
    resendPending();
    if (packetFull()) {
      send(false, false);
    }
  }

  /**
   * hflush ({@code sync} false) or hsync: sends what is buffered and waits until every node
   * acknowledged every byte written so far (with {@code sync}, after fsyncing it).
   */
  public void flush(boolean sync) throws PipelineException {
    resendPending();
    if (packetFill > 0 || sync) {
      send(false, sync);
    }
    awaitAcks(false);
  }

  /** Sends what is buffered as the last packet and waits until every node finalized the block. */
  public BlockInfo finish() throws PipelineException {
    resendPending();
    if (!lastSent) {
      send(true, false);
    }
    awaitAcks(true);
    keepOrCloseConnection();
    synchronized (this) {
      return block.toBuilder().setLength(acknowledged).build();
    }
  }

  /** Convenience for a caller that does not recover (a node copying a replica): buffer and send. */
  public void writeAll(byte[] data, int off, int len) throws PipelineException {
    while (len > 0) {
      int n = buffer(data, off, len);
      off += n;
      len -= n;
      sendIfFull();
    }
  }

  /** Where the recovered pipeline continues: the first byte not known to be on every node. */
  public long resumeOffset() {
    List<SentPacket> pending = unacknowledged();
    return pending.isEmpty() ? packetOffset : pending.get(0).offset();
  }

  public synchronized long acknowledgedLength() {
    return acknowledged;
  }

  /** Packets sent and not yet acknowledged by every node (the ack queue's depth). */
  public synchronized int packetsInFlight() {
    return ackQueue.size();
  }

  /** Bytes sent a second time because a pipeline failed before acknowledging them (this block, all recoveries). */
  public long bytesResent() {
    return bytesResent;
  }

  private List<SentPacket> unacknowledged() {
    List<SentPacket> out = new ArrayList<>();
    synchronized (this) {
      ackQueue.forEach(f -> out.add(f.packet()));
    }
    out.addAll(toResend);
    return out;
  }

  private void resendPending() throws PipelineException {
    while (!toResend.isEmpty()) {
      connectOnce();
      awaitWindow();
      SentPacket p = toResend.poll();
      bytesResent += p.length();
      lastSent |= p.last();
      transmit(p);
    }
  }

  /** Turns the buffered bytes into a packet and sends it; after a flush inside a chunk, that chunk starts the next packet. */
  private void send(boolean last, boolean sync) throws PipelineException {
    connectOnce();
    awaitWindow();
    byte[] data = packet == null ? new byte[0] : packet;
    int length = packetFill;
    SentPacket p = new SentPacket(packetOffset, data, length,
        ChunkChecksums.compute(ByteBuffer.wrap(data, 0, length), bytesPerChecksum), last, sync);
    int partial = last ? 0 : (int) (p.end() % bytesPerChecksum);
    packet = null;
    packetFill = 0;
    packetOffset = p.end() - partial;
    if (partial > 0) {
      buffer(data, length - partial, partial);
    }
    lastSent |= last;
    transmit(p);
  }

  private void transmit(SentPacket p) throws PipelineException {
    long s = seqno++;
    synchronized (this) {
      ackQueue.add(new InFlight(s, p));
    }
    Packet.Builder header = Packet.newBuilder().setSeqno(s).setOffsetInBlock(p.offset())
        .setDataLength(p.length()).setLast(p.last()).setSync(p.sync());
    for (int c : p.checksums()) {
      header.addChecksums(c);
    }
    try {
      channel.write(TransferHeader.newBuilder().setPacket(header).build(), p.data(), 0, p.length());
      channel.flush();
    } catch (IOException e) {
      awaitAckReader(); // a node that refused the setup closed the connection: its answer names who failed
      checkFailure();
      throw connectionLost("send to " + first() + " failed: " + e.getMessage());
    }
  }

  /** Connects to the first node and queues the setup header ahead of the first packet. */
  private void connectOnce() throws PipelineException {
    if (channel != null) {
      checkFailure();
      return;
    }
    NodeInfo node = pipeline.get(0);
    channel = nodes.takeIdle(node);
    reused = channel != null;
    if (channel == null) {
      try {
        channel = nodes.connect(node);
      } catch (IOException e) {
        throw new PipelineException("cannot reach " + first() + ": " + e.getMessage(), first(), TransferStatus.ERROR);
      }
    }
    try {
      channel.write(setup, null, 0, 0);
    } catch (IOException e) {
      closeChannel();
      throw new PipelineException("pipeline setup failed at " + first() + ": " + e.getMessage(), first(),
          TransferStatus.ERROR);
    }
    ackReader = new Thread(this::readAcks, "acks-blk_" + block.getBlockId());
    ackReader.setDaemon(true);
    ackReader.start();
  }

  private synchronized void awaitWindow() throws PipelineException {
    awaitWhile(() -> ackQueue.size() >= WINDOW_PACKETS, "a free slot in the window");
  }

  private synchronized void awaitAcks(boolean last) throws PipelineException {
    awaitWhile(() -> last ? !lastAcked : !ackQueue.isEmpty(), last ? "the last ack" : "the acks");
  }

  private void awaitWhile(java.util.function.BooleanSupplier waiting, String what) throws PipelineException {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    try {
      while (failure == null && waiting.getAsBoolean()) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new PipelineException("timed out waiting for " + what + " of block " + block.getBlockId(),
              first(), TransferStatus.ERROR);
        }
        if (ackReader != null && !ackReader.isAlive() && failure == null) {
          throw new PipelineException("ack stream of block " + block.getBlockId() + " ended", first(),
              TransferStatus.ERROR);
        }
        wait(Math.min(left, 1_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PipelineException("interrupted", "", TransferStatus.ERROR);
    }
    checkFailure();
  }

  // ------------------------------------------------------------------ acks (ack reader thread)

  private void readAcks() {
    try {
      while (true) {
        synchronized (this) {
          if (lastAcked || failure != null) {
            return;
          }
        }
        TransferHeader frame = channel.read().header();
        answered = true;
        if (frame.hasResponse() && frame.getResponse().getStatus() != TransferStatus.SUCCESS) {
          var r = frame.getResponse();
          String bad = r.getFirstBadNode().isEmpty() ? first() : r.getFirstBadNode();
          fail(new PipelineException("pipeline setup failed: " + r.getStatus() + " " + r.getMessage(), bad,
              r.getStatus()));
          return;
        }
        if (frame.hasAck() && !acknowledge(frame.getAck())) {
          return;
        }
      }
    } catch (IOException e) {
      fail(connectionLost("lost connection to " + first() + ": " + e.getMessage()));
    }
  }

  /**
   * The connection to the first node broke. On a kept connection the node never answered on, the
   * node most likely restarted since and closed it: no node is to blame, the recovery that follows
   * tries a new connection, and the other kept connections to that node go too.
   */
  private PipelineException connectionLost(String message) {
    if (reused && !answered) {
      nodes.forget(pipeline.get(0));
      return new PipelineException(message + " (a kept connection)", "", TransferStatus.ERROR);
    }
    return new PipelineException(message, first(), TransferStatus.ERROR);
  }

  /** After the block's last ack the connection is clean: kept for the next exchange with the first node. */
  private void keepOrCloseConnection() {
    awaitAckReader();
    boolean clean;
    synchronized (this) {
      clean = failure == null && lastAcked && ackReader != null && !ackReader.isAlive();
    }
    if (clean && channel != null) {
      nodes.giveBack(pipeline.get(0), channel);
      channel = null;
    } else {
      close();
    }
  }

  /** Takes an acknowledged packet off the ack queue; false when the ack reports a failed node. */
  private boolean acknowledge(PacketAck ack) {
    for (int i = 0; i < ack.getRepliesCount(); i++) {
      if (ack.getReplies(i) != TransferStatus.SUCCESS) {
        String bad = i < ack.getNodeIdsCount() ? ack.getNodeIds(i) : pipeline.get(Math.min(i, pipeline.size() - 1)).getNodeId();
        fail(new PipelineException("node " + bad + " failed packet " + ack.getSeqno() + ": " + ack.getReplies(i),
            bad, ack.getReplies(i)));
        return false;
      }
    }
    if (ack.getRepliesCount() < pipeline.size()) {
      String bad = pipeline.get(ack.getRepliesCount()).getNodeId();
      fail(new PipelineException("no ack from " + bad, bad, TransferStatus.ERROR));
      return false;
    }
    synchronized (this) {
      InFlight head = ackQueue.peek();
      if (head == null || head.seqno() != ack.getSeqno()) {
        fail(new PipelineException("ack for packet " + ack.getSeqno() + " out of order", first(), TransferStatus.ERROR));
        return false;
      }
      ackQueue.poll();
      acknowledged = Math.max(acknowledged, head.packet().end());
      lastAcked = head.packet().last();
      notifyAll();
    }
    return true;
  }

  private void fail(PipelineException e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      }
      notifyAll();
    }
    closeChannel();
  }

  private synchronized void checkFailure() throws PipelineException {
    if (failure != null) {
      throw failure;
    }
  }

  private void awaitAckReader() {
    try {
      if (ackReader != null) {
        ackReader.join(1_000);
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  private String first() {
    return pipeline.get(0).getNodeId();
  }

  @Override
  public void close() {
    closeChannel();
  }

  private void closeChannel() {
    BlockingFrameChannel c = channel;
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
