package io.dfs.client.fs;

import io.dfs.client.block.BlockWriter;
import io.dfs.client.block.PipelineException;
import io.dfs.client.error.NoSpaceException;
import io.dfs.client.error.StorageException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.proto.AbandonBlockRequest;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.UpdateBlockRequest;
import io.dfs.proto.WriteStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a file block by block. The bytes of the block in flight are kept until its last packet
 * is acknowledged, so when a node fails mid-block the stream gets a new generation stamp from the
 * leader, rebuilds the pipeline from the surviving nodes (plus a replacement) and sends the block
 * again: nothing acknowledged to the caller is ever lost, and stale partial replicas on the failed
 * node can never pass for current. Memory per stream is at most one block, held in 1 MiB pieces.
 *
 * <p>A stream that failed never completes a file with what it had: closing it deletes a new file
 * (or completes it at the length last made durable by {@link #hflush()}), and a replacement
 * written to a hidden sibling is deleted, leaving the file it was to replace untouched.
 */
final class DfsClientOutputStream extends DfsOutputStream {
  private static final int MAX_RECOVERIES = 5;
  /**
   * How long to wait for storage nodes to appear before reporting no space: a newly elected
   * metadata leader learns the nodes only from their next heartbeats.
   */
  static final long NODE_WAIT_MS = 20_000;
  private static final long NODE_POLL_MS = 300;

  private final MetadataClient metadata;
  private final String path;
  private final long blockSize;
  private final int replication;
  private final Set<String> excluded = new HashSet<>();
  private final List<byte[]> blockBytes = new ArrayList<>();
  private final byte[] one = new byte[1];
  private LocatedBlock current;
  private List<NodeInfo> pipeline;
  private BlockWriter writer;
  private BlockInfo previous;
  private int tailFill;
  private long inBlock;
  private long pos;
  private boolean closed;
  private boolean failed;
  private boolean flushed;
  /** The file this stream's content replaces when it closes successfully, or null. */
  private final String replaces;
  private final FileStatus created;
  /** The first block, allocated with the file; null once used or when none was. */
  private LocatedBlock preallocated;
  private AttributeUpdate onClose = AttributeUpdate.NONE;
  private FileStatus completed;

  /** {@code created}: the create's answer, with the file's first block when it was allocated with it. */
  DfsClientOutputStream(MetadataClient metadata, MetaResponse created, String replaces) {
    this.metadata = metadata;
    this.created = created.getStatus();
    this.preallocated = created.hasFirstBlock() ? created.getFirstBlock() : null;
    this.path = this.created.getPath();
    this.replaces = replaces;
    metadata.leases().acquired();
    this.blockSize = this.created.getBlockSize();
    this.replication = this.created.getReplication();
  }

  @Override
  public void write(int b) throws IOException {
    one[0] = (byte) b;
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    try {
      writeBlocks(b, off, len);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  private void writeBlocks(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (current == null) {
        startBlock();
      }
      int n = (int) Math.min(len, blockSize - inBlock);
      keep(b, off, n);
      try {
        writer.write(b, off, n);
      } catch (PipelineException e) {
        recover(e);
      }
      inBlock += n;
      pos += n;
      off += n;
      len -= n;
      if (inBlock == blockSize) {
        finishBlock();
      }
    }
  }

  @Override
  public FileStatus created() {
    return created;
  }

  @Override
  public void setAttributesOnClose(AttributeUpdate update) {
    onClose = update;
  }

  @Override
  public FileStatus completed() {
    return completed;
  }

  @Override
  public long getPos() {
    return pos;
  }

  /** Ends the current block early so everything written so far is on every replica. */
  @Override
  public void hflush() throws IOException {
    ensureOpen();
    if (current != null) {
      try {
        finishBlock();
      } catch (IOException | RuntimeException e) {
        failed = true;
        throw e;
      }
    }
    flushed = previous != null;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      finish();
    } finally {
      metadata.leases().released();
    }
  }

  private void finish() throws IOException {
    if (!failed && current != null) {
      try {
        finishBlock();
      } catch (IOException | RuntimeException e) {
        failed = true;
        discard(e);
        throw e;
      }
    }
    if (failed) {
      IOException e = new StorageException(ErrorCode.IO_ERROR, "the write failed earlier; "
          + (replaces != null ? "the file was left as it was" : "nothing past the last hflush was kept"), target());
      discard(e);
      throw e;
    }
    completed = complete();
    if (replaces != null) {
      completed = metadata.rename(RenameRequest.newBuilder().setSource(path).setDestination(replaces)
          .setOverwrite(true).build());
    }
  }

  private String target() {
    return replaces != null ? replaces : path;
  }

  private FileStatus complete() throws IOException {
    CompleteFileRequest.Builder complete = CompleteFileRequest.newBuilder().setPath(path);
    if (previous != null) {
      complete.setLast(previous);
    }
    return metadata.complete(complete.build(), onClose.requests(path));
  }

  /** After a failure: keep what hflush made durable in a new file, drop everything else. */
  private void discard(Exception cause) {
    try {
      if (replaces == null && flushed) {
        if (current != null) {
          metadata.abandonBlock(AbandonBlockRequest.newBuilder().setPath(path).setBlock(current.getBlock()).build());
        }
        complete();
      } else {
        metadata.delete(path, false);
      }
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  private void startBlock() throws IOException {
    if (preallocated != null) {
      current = preallocated;
      preallocated = null;
    } else {
      current = allocateBlock();
    }
    pipeline = new ArrayList<>(current.getLocationsList());
    inBlock = 0;
    blockBytes.clear();
    try {
      writer = BlockWriter.open(pipeline, current.getBlock(), WriteStage.CREATE, metadata.clientId(), 0);
    } catch (PipelineException e) {
      recover(e);
    }
  }

  /** The next block from the leader, waiting for storage nodes to (re)appear for up to NODE_WAIT_MS. */
  private LocatedBlock allocateBlock() throws IOException {
    AddBlockRequest.Builder add = AddBlockRequest.newBuilder().setPath(path).addAllExcludeNodes(excluded);
    if (previous != null) {
      add.setPrevious(previous);
    }
    long deadline = System.currentTimeMillis() + NODE_WAIT_MS;
    while (true) {
      try {
        return metadata.addBlock(add.build());
      } catch (NoSpaceException e) {
        // nowhere to put it yet (nodes re-registering with a new leader, or all full): wait for
        // nodes to (re)appear; the namespace allocated nothing
        if (e.code() != ErrorCode.NOT_ENOUGH_NODES || System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      pause();
    }
  }

  private void finishBlock() throws IOException {
    BlockInfo done = null;
    for (int attempt = 0; done == null; attempt++) {
      try {
        done = writer.finish();
      } catch (PipelineException e) {
        if (attempt > MAX_RECOVERIES) {
          throw e;
        }
        recover(e);
      }
    }
    previous = done;
    current = null;
    writer = null;
    blockBytes.clear();
  }

  /**
   * Rebuilds the pipeline without the failed node and resends the block's bytes under a new
   * generation stamp. Retries while nodes remain; fails only when no pipeline can be formed.
   */
  private void recover(PipelineException failure) throws IOException {
    PipelineException last = failure;
    long deadline = System.currentTimeMillis() + NODE_WAIT_MS;
    for (int attempt = 0; attempt < MAX_RECOVERIES; attempt++) {
      if (writer != null) {
        writer.close();
      }
      String bad = last.badNode();
      excluded.add(bad);
      pipeline.removeIf(n -> n.getNodeId().equals(bad));
      int wanted = Math.max(0, replication - pipeline.size());
      Set<String> avoid = new HashSet<>(excluded);
      pipeline.forEach(n -> avoid.add(n.getNodeId()));
      LocatedBlock bumped = metadata.updateBlock(UpdateBlockRequest.newBuilder().setPath(path)
          .setBlock(current.getBlock().toBuilder().setLength(0)).addAllExcludeNodes(avoid)
          .setReplacementsWanted(wanted).addFailedNodes(bad).build());
      current = current.toBuilder().setBlock(bumped.getBlock()).build();
      pipeline.addAll(bumped.getLocationsList());
      if (pipeline.isEmpty() && System.currentTimeMillis() < deadline) {
        attempt--; // not a failed attempt: waiting for nodes to register with a new leader
        pause();
        continue;
      }
      if (pipeline.isEmpty()) {
        throw last.status() == TransferStatus.ERROR_NO_SPACE
            ? new NoSpaceException(ErrorCode.NO_SPACE, "every storage node is full", path)
            : new StorageException(ErrorCode.IO_ERROR, "no storage node left to write to: " + last.getMessage(), path);
      }
      try {
        writer = BlockWriter.open(pipeline, current.getBlock(), WriteStage.RECOVERY, metadata.clientId(), 0);
        for (int i = 0; i < blockBytes.size(); i++) {
          writer.write(blockBytes.get(i), 0, i == blockBytes.size() - 1 ? tailFill : BlockWriter.PACKET_SIZE);
        }
        return;
      } catch (PipelineException e) {
        last = e;
      }
    }
    throw new StorageException(ErrorCode.IO_ERROR, "pipeline recovery failed: " + last.getMessage(), path);
  }

  private void keep(byte[] b, int off, int len) {
    while (len > 0) {
      if (blockBytes.isEmpty() || tailFill == BlockWriter.PACKET_SIZE) {
        blockBytes.add(new byte[BlockWriter.PACKET_SIZE]);
        tailFill = 0;
      }
      int n = Math.min(len, BlockWriter.PACKET_SIZE - tailFill);
      System.arraycopy(b, off, blockBytes.get(blockBytes.size() - 1), tailFill, n);
      tailFill += n;
      off += n;
      len -= n;
    }
  }

  private void pause() throws IOException {
    try {
      Thread.sleep(NODE_POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while writing " + path);
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stream is closed: " + path);
    }
  }
}
