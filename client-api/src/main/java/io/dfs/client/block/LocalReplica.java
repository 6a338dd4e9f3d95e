package io.dfs.client.block;

import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a finalized replica on this machine, opened once the node named them (see
 * {@link ShortCircuitReads}) and read directly, every chunk checked against its CRC32C. A stream
 * keeps them for the next windows of the same block (HDFS keeps short-circuit descriptors the
 * same way): no question to the node per window, and one open file whose kernel read-ahead runs
 * ahead of the reader instead of a new one per window.
 *
 * <p>Kept for at most {@link #MAX_AGE_NANOS}, well inside the time a node rests a deleted
 * replica's files before another replica reuses them: a replica deleted while a stream holds its
 * files is read as it was, never as another block.
 */
final class LocalReplica implements Closeable {
  static final long MAX_AGE_NANOS = 5_000_000_000L;

  private final NodeInfo node;
  private final BlockInfo block;
  private final int bytesPerChecksum;
  private final long length;
  private final FileChannel data;
  private final FileChannel meta;
  private final long openedNanos = System.nanoTime();

  private LocalReplica(NodeInfo node, BlockInfo block, OpResponse granted, FileChannel data, FileChannel meta) {
    this.node = node;
    this.block = block;
    this.bytesPerChecksum = granted.getBytesPerChecksum();
    this.length = granted.getReplicaLength();
    this.data = data;
    this.meta = meta;
  }

  /** Opens the files the node named in {@code granted}; {@link ShortCircuitReads.NotReadableHere} when this side cannot. */
  static LocalReplica open(NodeInfo node, BlockInfo block, OpResponse granted) throws IOException {
    FileChannel data = null;
    try {
      data = FileChannel.open(Path.of(granted.getLocalDataPath()), StandardOpenOption.READ);
      FileChannel meta = FileChannel.open(Path.of(granted.getLocalMetaPath()), StandardOpenOption.READ);
      return new LocalReplica(node, block, granted, data, meta);
    } catch (AccessDeniedException | NoSuchFileException e) {
      if (data != null) {
        data.close();
      }
      if (e instanceof AccessDeniedException) {
        ShortCircuitReads.notReadable(node); // this user may not read the node's files: the network from now on
      }
      throw new ShortCircuitReads.NotReadableHere(e.toString());
    }
  }

  /** Whether this is the node's replica of the block (same generation) and still young enough to use. */
  boolean serves(NodeInfo other, BlockInfo wanted) {
    return node.getNodeId().equals(other.getNodeId()) && block.getBlockId() == wanted.getBlockId()
        && block.getGenerationStamp() == wanted.getGenerationStamp()
        && System.nanoTime() - openedNanos < MAX_AGE_NANOS;
  }

  /** Reads {@code [offset, offset + length)} into {@code dst}; returns the bytes read (fewer at the replica's end). */
  int read(long offset, byte[] dst, int dstOffset, int wanted) throws IOException {
    int bpc = bytesPerChecksum;
    long end = Math.min(offset + wanted, length);
    if (end <= offset) {
      return 0;
    }
    long from = offset / bpc * bpc;
    long to = Math.min(length, (end + bpc - 1) / bpc * bpc);
    int firstChunk = (int) (from / bpc);
    int chunks = (int) ((to - from + bpc - 1) / bpc);
    ByteBuffer crcs = ByteBuffer.allocate(chunks * 4);
    readFully(meta, crcs, 8 + 4L * firstChunk);
    crcs.flip();
    List<Integer> expected = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      expected.add(crcs.getInt());
    }
    boolean aligned = from == offset && to == end;
    byte[] target = aligned ? dst : new byte[(int) (to - from)];
    int at = aligned ? dstOffset : 0;
    readFully(data, ByteBuffer.wrap(target, at, (int) (to - from)), from);
    if (ChunkChecksums.firstMismatch(ByteBuffer.wrap(target, at, (int) (to - from)), bpc, expected) >= 0) {
      throw new BlockReader.ChecksumException("checksum mismatch in block " + block.getBlockId() + " read locally from "
          + node.getNodeId() + "'s replica");
    }
    if (!aligned) {
      System.arraycopy(target, (int) (offset - from), dst, dstOffset, (int) (end - offset));
    }
    return (int) (end - offset);
  }

  private static void readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
    long at = position;
    while (into.hasRemaining()) {
      int n = ch.read(into, at);
      if (n < 0) {
        throw new IOException("replica file shorter than expected");
      }
      at += n;
    }
  }

  @Override
  public void close() {
    try (data; meta) {
      // both closed, whatever either does
    } catch (IOException ignored) {
      // read-only files
    }
  }
}
