package io.dfs.blockstore.storage;

import io.dfs.client.error.NoSpaceException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A replica being written under tmp/: appended packet by packet, then fsync'd for finalizing. */
public final class ReplicaWriter implements Closeable {
  private final BlockStore store;
  final BlockInfo block;
  final Path data;
  final Path meta;
  final int bytesPerChecksum;
  final StorageDir dir;
  private final FileChannel dataChannel;
  private final FileChannel metaChannel;
  private long length;
  private boolean closed;

  ReplicaWriter(BlockStore store, StorageDir dir, BlockInfo block, int bytesPerChecksum) throws IOException {
    this.store = store;
    this.dir = dir;
    this.block = block;
    this.bytesPerChecksum = bytesPerChecksum;
    this.data = dir.tmp().resolve(ReplicaFiles.dataName(block.getBlockId(), block.getGenerationStamp()));
    this.meta = dir.tmp().resolve(ReplicaFiles.metaName(block.getBlockId(), block.getGenerationStamp()));
    this.dataChannel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    this.metaChannel = ReplicaMeta.create(meta);
    ReplicaMeta.writeHeader(metaChannel, bytesPerChecksum);
  }

  public BlockInfo block() {
    return block.toBuilder().setLength(length).build();
  }

  public long length() {
    return length;
  }

  /**
   * Appends chunk-aligned data with its checksums. Fails with {@link NoSpaceException} when the
   * node's capacity or the disk is exhausted; the caller aborts the replica.
   */
  public void append(ByteBuffer bytes, int[] checksums) throws IOException {
    int n = bytes.remaining();
    if (!store.reserve(n)) {
      throw new NoSpaceException(ErrorCode.NO_SPACE, "storage node is full", data.toString());
    }
    try {
      while (bytes.hasRemaining()) {
        dataChannel.write(bytes);
      }
      ByteBuffer crcs = ByteBuffer.allocate(checksums.length * 4);
      for (int c : checksums) {
        crcs.putInt(c);
      }
      crcs.flip();
      while (crcs.hasRemaining()) {
        metaChannel.write(crcs);
      }
      length += n;
    } catch (IOException e) {
      store.release(n);
      if (String.valueOf(e.getMessage()).contains("No space left")) {
        throw new NoSpaceException(ErrorCode.NO_SPACE, "disk full", data.toString());
      }
      throw e;
    }
  }

  /** Makes the bytes durable before the replica may be renamed into finalized/. */
  void sync() throws IOException {
    dataChannel.force(true);
    metaChannel.force(true);
    close();
  }

  /** Drops the partial replica and gives its space back. */
  public void abort() {
    try {
      close();
      Files.deleteIfExists(data);
      Files.deleteIfExists(meta);
    } catch (IOException ignored) {
      // a leftover tmp file is removed at the next start
    }
    store.release(length);
    length = 0;
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      dataChannel.close();
      metaChannel.close();
    }
  }
}
