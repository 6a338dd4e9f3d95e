package io.dfs.blockstore.transfer;

import io.dfs.blockstore.pipeline.PipelineReceiver;
import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaMeta;
import io.dfs.blockstore.storage.ReplicaVerifier;
import io.dfs.blockstore.storage.ReplicaWriter;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.proto.OpResponse;
import io.dfs.proto.Packet;
import io.dfs.proto.ReadBlockOp;
import io.dfs.proto.TransferHeader;
import io.dfs.proto.TransferStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Serves a range of a replica: the stored checksums go in each packet header and the data goes
 * straight from the file to the socket (sendfile). The client verifies; this side never reads the
 * data into memory. A replica still being written is served up to the length every pipeline node
 * acknowledged, so a reader sees what the writer's hflush promised.
 */
final class BlockSender {
  static final int CHUNKS_PER_PACKET = 16;
  /** Node metric: reads answered by naming the replica's files to a client on this host. */
  static final String SHORT_CIRCUIT_GRANTS = "reads.short_circuit_grants";

  private final NodeServices node;
  private final ChannelHandlerContext ctx;
  private final ReadBlockOp op;

  BlockSender(NodeServices node, ChannelHandlerContext ctx, ReadBlockOp op) {
    this.node = node;
    this.ctx = ctx;
    this.op = op;
  }

  void send() {
    Optional<Replica> found = node.store().get(op.getBlock().getBlockId())
        .filter(r -> r.block().getGenerationStamp() >= op.getBlock().getGenerationStamp());
    boolean unfinished = found.isEmpty();
    if (unfinished) {
      // a file being written: its readers see what every pipeline node acknowledged (hflush)
      found = node.store().unfinished(op.getBlock()).map(ReplicaWriter::visible);
    }
    if (found.isEmpty()) {
      respond(TransferStatus.ERROR_NOT_FOUND, "no replica of block " + op.getBlock().getBlockId()
          + " with generation " + op.getBlock().getGenerationStamp() + " on " + node.nodeId());
      return;
    }
    Replica r = found.get();
    long replicaLength = r.block().getLength();
    long start = Math.min(op.getOffset(), replicaLength);
    int bpc = r.bytesPerChecksum();
    // whole chunks only: a stored checksum covers its chunk from start to end, so a range ending
    // inside a chunk is sent to the chunk's end (the reader keeps what it asked for)
    long end = op.getLength() > 0 ? Math.min(replicaLength, roundUp(start + op.getLength(), bpc)) : replicaLength;
    long firstChunk = start / bpc;
    long position = firstChunk * bpc;
    if (op.getShortCircuit() && !unfinished && clientIsOnThisHost()) {
      // the client reads the files itself, and keeps them open for its next reads of the block
      // (what it reads is its own metric): no copy through this process or the socket
      node.metrics().counter(SHORT_CIRCUIT_GRANTS).inc();
      ctx.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(OpResponse.newBuilder()
          .setStatus(TransferStatus.SUCCESS).setReplicaLength(replicaLength).setBytesPerChecksum(bpc)
          .setLocalDataPath(r.data().toAbsolutePath().toString())
          .setLocalMetaPath(r.meta().toAbsolutePath().toString())).build()));
      return;
    }
    ctx.write(TransferFrame.of(TransferHeader.newBuilder().setResponse(OpResponse.newBuilder()
        .setStatus(TransferStatus.SUCCESS).setReplicaLength(replicaLength).setBytesPerChecksum(bpc)
        .setFirstChunkOffset(position)).build()));
    long seqno = 0;
    var active = node.metrics().counter(PipelineReceiver.TRANSFERS_ACTIVE);
    active.inc();
    io.netty.channel.ChannelFuture sent = null;
    boolean encrypted = ctx.pipeline().get(SslHandler.class) != null;
    // encrypted, the data goes through memory: one open of the replica for all its packets
    try (FileChannel file = encrypted ? FileChannel.open(r.data(), StandardOpenOption.READ) : null) {
      int[] allCrcs = ReplicaMeta.read(r.meta(), firstChunk, (int) ((end - position + bpc - 1) / bpc));
      if (unfinished && end % bpc != 0 && allCrcs.length > 0) {
        // the stored checksum of a chunk still being written may cover bytes past the acknowledged end
        allCrcs[allCrcs.length - 1] = ReplicaVerifier.checksum(r.data(), end - end % bpc, (int) (end % bpc));
      }
      do {
        long length = Math.min((long) bpc * CHUNKS_PER_PACKET, end - position);
        int chunks = (int) ((length + bpc - 1) / bpc);
        int from = (int) (position / bpc - firstChunk);
        int[] crcs = java.util.Arrays.copyOfRange(allCrcs, from, from + chunks);
        boolean last = position + length >= end;
        Packet.Builder p = Packet.newBuilder().setSeqno(seqno++).setOffsetInBlock(position)
            .setDataLength((int) length).setLast(last);
        for (int c : crcs) {
          p.addChecksums(c);
        }
        TransferHeader header = TransferHeader.newBuilder().setPacket(p).build();
        sent = ctx.write(length == 0 ? TransferFrame.of(header) : packet(header, r, file, position, (int) length));
        node.metrics().meter("bytes.read").mark(length);
        position += length;
      } while (position < end);
    } catch (IOException e) {
      active.dec();
      ctx.close();
      return;
    }
    sent.addListener(f -> active.dec());
    ctx.flush();
  }

  /**
   * A packet with its data straight from the file to the socket (sendfile), or, when the
   * connection is encrypted (TLS must see the bytes; {@code file} is then open), read into a buffer
   * first.
   */
  private TransferFrame packet(TransferHeader header, Replica r, FileChannel file, long position, int length)
      throws IOException {
    if (file == null) {
      return TransferFrame.of(header, new DefaultFileRegion(r.data().toFile(), position, length));
    }
    ByteBuf data = ctx.alloc().ioBuffer(length);
    try {
      while (data.readableBytes() < length) {
        if (data.writeBytes(file, position + data.readableBytes(), length - data.readableBytes()) < 0) {
          throw new java.io.EOFException("replica " + r.data() + " ends before " + (position + length));
        }
      }
      return TransferFrame.of(header, data);
    } catch (IOException | RuntimeException e) {
      data.release();
      throw e;
    }
  }

  private boolean clientIsOnThisHost() {
    if (!(ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress peer)) {
      return false;
    }
    try {
      java.net.InetAddress a = peer.getAddress();
      return a.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  private static long roundUp(long offset, int bpc) {
    return (offset + bpc - 1) / bpc * bpc;
  }

  private void respond(TransferStatus status, String message) {
    ctx.writeAndFlush(TransferFrame.of(TransferHeader.newBuilder().setResponse(OpResponse.newBuilder()
        .setStatus(status).setMessage(message)).build())).addListener(ChannelFutureListener.CLOSE);
  }
}
