package io.dfs.client.fs;

import io.dfs.client.block.BlockWriter;
import io.dfs.client.block.NodeConnections;
import io.dfs.client.block.PipelineException;
import io.dfs.client.block.ReplicaTransferRequest;
import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.error.NoSpaceException;
import io.dfs.client.error.StorageException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.metadata.WriteLane;
import io.dfs.proto.AbandonBlockRequest;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FsyncRequest;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.PatchContentRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.ReplaceContentRequest;
import io.dfs.proto.TransferStatus;
import io.dfs.proto.UpdateBlockRequest;
import io.dfs.proto.WriteStage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Writes a file block by block through {@link BlockWriter}, which keeps only the packets the
 * pipeline has not acknowledged yet (a few MiB per stream, whatever the block size).
 *
 * <p>Pipeline recovery (HDFS's model): when a node fails, the stream drops it, gets a new
 * generation stamp from the leader (so the failed node's partial replica can never pass for
 * current), and continues with the survivors from the first unacknowledged byte: they cut their
 * replicas there and only the unacknowledged packets are sent again. Replacement nodes follow
 * HDFS's default policy ({@link #replacementsWanted}): one that joins mid-block first gets a copy of
 * the acknowledged bytes from a survivor; when no replacement is wanted or possible the block
 * completes on the survivors and the leader's replication monitor restores its factor. The write
 * fails only when no node is left that holds the acknowledged bytes.
 *
 * <p>A stream that failed never completes a file with what it had: closing it deletes a new file
 * (or, when {@link #hflush()} was called, completes it with the blocks finished before the
 * failure), and a replacement written to a hidden sibling is deleted, leaving the file it was to
 * replace untouched.
 */
final class DfsClientOutputStream extends DfsOutputStream {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DfsClientOutputStream.class);
  private static final int MAX_RECOVERIES = 5;
  /**
   * How long to wait for storage nodes to appear before reporting no space: a newly elected
   * metadata leader learns the nodes only from their next heartbeats.
   */
  static final long NODE_WAIT_MS = 20_000;
  private static final long NODE_POLL_MS = 300;

  private final MetadataClient metadata;
  private final NodeConnections connections;
  private final String path;
  private final long blockSize;
  private final int replication;
  private final Set<String> excluded = new HashSet<>();
  private final byte[] one = new byte[1];
  private LocatedBlock current;
  private List<NodeInfo> pipeline;
  private BlockWriter writer;
  private BlockInfo previous;
  private long inBlock;
  /** Bytes written; volatile because stats() reads it from the metrics thread (this stream's thread writes it). */
  private volatile long pos;
  private long bytesResent;
  private boolean closed;
  private boolean failed;
  private boolean flushed;
  /** The file this stream's content replaces when it closes successfully, or null. */
  private final String replaces;
  /** With {@link #replaces}: how the content lands there, a patch of some blocks; null: as the whole content. */
  private PatchContentRequest patch;
  private FileStatus created;
  /** The first block, allocated with the file; null once used or when none was. */
  private LocatedBlock preallocated;
  /**
   * A create sent without waiting (its client holds the directory), until it is answered; the
   * bytes written meanwhile wait in {@link #early}, up to {@link #EARLY_LIMIT}.
   */
  private CompletableFuture<MetaResponse> pendingCreate;
  private ByteArrayOutputStream early;
  private boolean createFailed;
  static final int EARLY_LIMIT = 1 << 20;
  /** Guards {@link #onClose}, {@link #renameOnClose} and {@link #completionSent}: the closing thread and another meet there. */
  private final Object completionLock = new Object();
  private AttributeUpdate onClose = AttributeUpdate.NONE;
  /** Where the file goes with its completion, or null. */
  private String renameOnClose;
  private boolean completionSent;
  private WriteLane completionLane = WriteLane.INTERACTIVE;
  private FileStatus completed;
  private final OpenStreams streams;
  private final long openedMs = System.currentTimeMillis();
  // read by the metrics thread (stats()); the writing thread is their one writer
  private volatile long finishedBlocksBytes;
  private volatile BlockWriter liveWriter;

  /** A pipeline step; after a recovery it is repeated on the new writer (every step is idempotent). */
  @FunctionalInterface
  private interface Step<T> {
    T run(BlockWriter w) throws PipelineException;
  }

  /** {@code created}: the create's answer, with the file's first block when it was allocated with it. */
  DfsClientOutputStream(MetadataClient metadata, NodeConnections connections, MetaResponse created, String replaces, OpenStreams streams) {
    this(metadata, connections, created.getStatus(), replaces, streams);
    this.preallocated = created.hasFirstBlock() ? created.getFirstBlock() : null;
  }

  /**
   * A stream for a create sent without waiting: {@code provisional} is the file as it will be
   * created; the first bytes wait here for the create's answer.
   */
  DfsClientOutputStream(MetadataClient metadata, NodeConnections connections, FileStatus provisional,
      CompletableFuture<MetaResponse> create, OpenStreams streams) {
    this(metadata, connections, provisional, (String) null, streams);
    this.pendingCreate = create;
    this.early = new ByteArrayOutputStream();
  }

  private DfsClientOutputStream(MetadataClient metadata, NodeConnections connections, FileStatus created,
      String replaces, OpenStreams streams) {
    this.metadata = metadata;
    this.connections = connections;
    this.streams = streams;
    this.created = created;
    this.path = this.created.getPath();
    this.replaces = replaces;
    metadata.leases().acquired();
    this.blockSize = this.created.getBlockSize();
    this.replication = this.created.getReplication();
    streams.opened(this);
  }

  /**
   * This stream's blocks become some of {@link #replaces}'s (see PatchContentRequest; its source is
   * this file) instead of all of its content. Set before anything is written.
   */
  void landAsPatch(PatchContentRequest.Builder request) {
    this.patch = request.setSource(path).setDestination(replaces).build();
  }

  /** Ends the block being written here, at its length now: the next byte starts a new block. */
  void endBlock() throws IOException {
    ensureOpen();
    awaitCreated();
    if (current != null && inBlock > 0) {
      try {
        finishBlock();
      } catch (IOException | RuntimeException e) {
        failed = true;
        throw e;
      }
    }
  }

  /** This stream for the client's metrics; safe to call from any thread. */
  java.util.Map<String, Object> stats() {
    BlockWriter w = liveWriter;
    return java.util.Map.of("path", target(), "bytesWritten", pos,
        "bytesAcknowledged", finishedBlocksBytes + (w == null ? 0 : w.acknowledgedLength()),
        "packetsInFlight", w == null ? 0 : w.packetsInFlight(),
        "ageMs", System.currentTimeMillis() - openedMs);
  }

  @Override
  public void write(int b) throws IOException {
    one[0] = (byte) b;
    write(one, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    FileTooLargeException.check(getPos() + len, target());
    if (pendingCreate != null && early.size() + len <= EARLY_LIMIT) {
      early.write(b, off, len);
      return;
    }
    awaitCreated();
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
      int n = writer.buffer(b, off, (int) Math.min(len, blockSize - inBlock));
      inBlock += n;
      pos += n;
      off += n;
      len -= n;
      if (writer.packetFull()) {
        step(w -> {
          w.sendIfFull();
          return null;
        });
      }
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
    synchronized (completionLock) {
      onClose = update;
    }
  }

  @Override
  public boolean addToCompletion(java.util.function.UnaryOperator<AttributeUpdate> change, String destination) {
    synchronized (completionLock) {
      if (completionSent || replaces != null || (destination != null && renameOnClose != null)) {
        return false;
      }
      onClose = change.apply(onClose);
      if (destination != null) {
        renameOnClose = destination;
      }
      return true;
    }
  }

  @Override
  public void completeInBackground() {
    completionLane = WriteLane.BACKGROUND;
  }

  @Override
  public FileStatus completed() {
    return completed;
  }

  @Override
  public long getPos() {
    return pos + (pendingCreate == null ? 0 : early.size());
  }

  /** The create sent without waiting is answered; what was written meanwhile goes on its way. */
  private void awaitCreated() throws IOException {
    if (pendingCreate == null) {
      return;
    }
    CompletableFuture<MetaResponse> create = pendingCreate;
    byte[] waiting = early.toByteArray();
    pendingCreate = null;
    early = null;
    MetaResponse r;
    try {
      r = create.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed = true;
      createFailed = true;
      throw new InterruptedIOException("interrupted while waiting for the create of " + path);
    } catch (ExecutionException e) {
      failed = true;
      createFailed = true; // nothing of this stream's is in the namespace: nothing to clean up
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
          : e.getCause();
      throw cause instanceof IOException io ? io : new StorageException(ErrorCode.IO_ERROR,
          "the create failed: " + cause, path);
    }
    created = r.getStatus();
    preallocated = r.hasFirstBlock() ? r.getFirstBlock() : null;
    try {
      writeBlocks(waiting, 0, waiting.length);
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
  }

  /** Bytes this stream sent more than once because pipelines failed (for tests and metrics). */
  long bytesResent() {
    return bytesResent + (writer == null ? 0 : writer.bytesResent());
  }

  @Override
  public void hflush() throws IOException {
    flush(false);
  }

  @Override
  public void hsync() throws IOException {
    flush(true);
  }

  /**
   * Waits until every node acknowledged everything written, then records the length in the
   * namespace so stat shows it: hsync waits for that too, hflush does not (its readers ask the
   * nodes, and concurrent reports share Raft entries).
   */
  private void flush(boolean sync) throws IOException {
    ensureOpen();
    awaitCreated();
    BlockInfo written = previous;
    if (writer != null) {
      try {
        step(w -> {
          w.flush(sync);
          return null;
        });
      } catch (IOException | RuntimeException e) {
        failed = true;
        throw e;
      }
      written = current.getBlock().toBuilder().setLength(writer.acknowledgedLength()).build();
    }
    flushed = true;
    if (written != null) {
      FsyncRequest report = FsyncRequest.newBuilder().setPath(path).setInodeId(created.getInodeId()).setLast(written).build();
      if (sync) {
        metadata.fsync(report);
      } else {
        metadata.fsyncAsync(report); // a report overtaken by a pipeline recovery is refused, harmlessly
      }
    }
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
      streams.closed(this);
      metadata.leases().released();
    }
  }

  private void finish() throws IOException {
    if (!failed) {
      awaitCreated(); // throws, with nothing to clean up, when the create failed
    }
    if (createFailed) {
      throw new StorageException(ErrorCode.IO_ERROR, "the create failed earlier; nothing was written", path);
    }
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
          + (replaces != null ? "the file was left as it was" : "only blocks finished before an hflush were kept"),
          target());
      discard(e);
      throw e;
    }
    try {
      completed = complete();
    } catch (IOException e) {
      if (replaces != null) {
        try {
          metadata.delete(path, false); // the replacement never became the file's content
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private String target() {
    return replaces != null ? replaces : path;
  }

  /**
   * Completes the file in one metadata write with what follows it: a replacement becoming the
   * content of the file it replaces, the attribute changes kept for the close (of the file the
   * stream is for), and its rename; the file as the last of them left it.
   */
  private FileStatus complete() throws IOException {
    CompleteFileRequest.Builder complete = CompleteFileRequest.newBuilder().setPath(path)
        .setInodeId(created.getInodeId());
    if (previous != null) {
      complete.setLast(previous);
    }
    List<MetaRequest> then = new ArrayList<>();
    if (patch != null) {
      then.add(MetaRequest.newBuilder().setPatchContent(patch).build());
    } else if (replaces != null) {
      then.add(MetaRequest.newBuilder().setReplaceContent(ReplaceContentRequest.newBuilder().setSource(path)
          .setDestination(replaces)).build());
    }
    synchronized (completionLock) {
      completionSent = true;
      then.addAll(onClose.requests(target()));
      if (renameOnClose != null) {
        then.add(MetaRequest.newBuilder().setRename(RenameRequest.newBuilder().setSource(path)
            .setDestination(renameOnClose).setOverwrite(true)).build());
      }
    }
    return metadata.complete(complete.build(), then, completionLane);
  }

  /** After a failure: keep the finished blocks of an hflushed new file, drop everything else. */
  private void discard(Exception cause) {
    if (writer != null) {
      writer.close();
    }
    try {
      if (replaces == null && flushed) {
        if (current != null) {
          metadata.abandonBlock(AbandonBlockRequest.newBuilder().setPath(path).setInodeId(created.getInodeId())
              .setBlock(current.getBlock()).build());
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
    writer = BlockWriter.open(connections, pipeline, current.getBlock(), current.getToken(), WriteStage.CREATE, metadata.clientId(), 0);
    liveWriter = writer;
  }

  /** The next block from the leader, waiting for storage nodes to (re)appear for up to NODE_WAIT_MS. */
  private LocatedBlock allocateBlock() throws IOException {
    AddBlockRequest.Builder add = AddBlockRequest.newBuilder().setPath(path).setInodeId(created.getInodeId())
        .addAllExcludeNodes(excluded);
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
    previous = step(BlockWriter::finish);
    bytesResent += writer.bytesResent();
    finishedBlocksBytes += previous.getLength();
    current = null;
    writer = null;
    liveWriter = null;
  }

  private <T> T step(Step<T> step) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return step.run(writer);
      } catch (PipelineException e) {
        if (attempt >= MAX_RECOVERIES) {
          throw new StorageException(ErrorCode.IO_ERROR, "pipeline failed " + (attempt + 1) + " times: "
              + e.getMessage(), path);
        }
        recover(e);
      }
    }
  }

  /**
   * Drops the failed node, bumps the block's generation stamp and resumes on the survivors from the
   * first unacknowledged byte. Retries while nodes remain; fails when none holds the acknowledged bytes.
   */
  private void recover(PipelineException failure) throws IOException {
    PipelineException last = failure;
    BlockWriter failedWriter = writer;
    long deadline = System.currentTimeMillis() + NODE_WAIT_MS;
    for (int attempt = 0; attempt < MAX_RECOVERIES; attempt++) {
      failedWriter.close();
      String bad = last.badNode();
      if (!bad.isEmpty()) {
        excluded.add(bad);
        pipeline.removeIf(n -> n.getNodeId().equals(bad));
      }
      long resume = failedWriter.resumeOffset();
      if (pipeline.isEmpty() && resume > 0) {
        throw last.status() == TransferStatus.ERROR_NO_SPACE
            ? new NoSpaceException(ErrorCode.NO_SPACE, "every storage node is full", path)
            : new StorageException(ErrorCode.IO_ERROR,
                "no storage node left that holds the acknowledged bytes: " + last.getMessage(), path);
      }
      int wanted = replacementsWanted(resume);
      Set<String> avoid = new HashSet<>(excluded);
      pipeline.forEach(n -> avoid.add(n.getNodeId()));
      UpdateBlockRequest.Builder update = UpdateBlockRequest.newBuilder().setPath(path).setInodeId(created.getInodeId())
          .setBlock(current.getBlock().toBuilder().setLength(resume)).addAllExcludeNodes(avoid)
          .setReplacementsWanted(wanted);
      if (!bad.isEmpty()) {
        update.addFailedNodes(bad);
      }
      LocatedBlock bumped = metadata.updateBlock(update.build());
      LocatedBlock survivorsCopy = current;
      current = current.toBuilder().setBlock(bumped.getBlock()).setToken(bumped.getToken()).build();
      if (resume == 0 || catchUp(survivorsCopy, resume, bumped.getLocationsList())) {
        pipeline.addAll(bumped.getLocationsList());
      }
      LOG.info("{} block {}: {} failed ({}); resuming at {} on {}", path, bumped.getBlock().getBlockId(), bad,
          last.getMessage(), resume, pipeline.stream().map(NodeInfo::getNodeId).toList());
      if (pipeline.isEmpty()) {
        if (System.currentTimeMillis() < deadline) {
          attempt--; // not a failed attempt: waiting for nodes to register with a new leader
          pause();
          continue;
        }
        throw new StorageException(ErrorCode.IO_ERROR, "no storage node left to write to: " + last.getMessage(), path);
      }
      writer = failedWriter.resumeOn(pipeline, current.getBlock(), current.getToken(), metadata.clientId());
      liveWriter = writer;
      try {
        writer.sendIfFull(); // resends the unacknowledged packets
        return;
      } catch (PipelineException e) {
        last = e;
        failedWriter = writer;
      }
    }
    throw new StorageException(ErrorCode.IO_ERROR, "pipeline recovery failed: " + last.getMessage(), path);
  }

  /**
   * HDFS's default replace-datanode-on-failure policy: before anything of the block is
   * acknowledged, a replacement simply starts with the others; after that one is worth a copy of
   * the acknowledged bytes only when few survivors remain (at most half the factor, for a factor of
   * 3 or more) or an hflush promised durability on the pipeline. Otherwise the block completes on
   * the survivors and the replication monitor restores its factor.
   */
  private int replacementsWanted(long resume) {
    int missing = Math.max(0, replication - pipeline.size());
    if (resume == 0) {
      return missing;
    }
    boolean needed = replication >= 3 && (pipeline.size() <= replication / 2 || flushed);
    return needed && !pipeline.isEmpty() ? missing : 0;
  }

  /** Has a survivor copy the acknowledged bytes to the replacements; false (go on without them) when it cannot. */
  private boolean catchUp(LocatedBlock survivorsCopy, long length, List<NodeInfo> replacements) {
    BlockInfo block = survivorsCopy.getBlock();
    if (replacements.isEmpty()) {
      return false;
    }
    for (NodeInfo source : pipeline) { // a survivor not known to have failed may still be dead: try the next
      try {
        ReplicaTransferRequest.send(connections, source, block, survivorsCopy.getToken(), length, replacements,
            metadata.clientId());
        return true;
      } catch (IOException e) {
        LOG.info("{} block {}: {} could not copy to the replacements {}: {}", path, block.getBlockId(),
            source.getNodeId(), replacements.stream().map(NodeInfo::getNodeId).toList(), e.getMessage());
      }
    }
    return false; // best effort, as in HDFS: the survivors carry on, re-replication follows
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
