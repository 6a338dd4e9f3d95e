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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A replica being written under tmp/ (HDFS's "replica being written"): appended packet by packet,
 * then fsync'd for finalizing. When its pipeline breaks the files stay, so pipeline recovery can
 * take them over under a newer generation stamp ({@link #takeOver}) and continue from the length
 * the client had acknowledged instead of starting the block again.
 *
 * <p>Its pipeline thread writes it; a recovery or the store's reaper may act on it from another
 * thread, so every method that touches the files holds this object's monitor (a leaf lock).
 */
public final class ReplicaWriter implements Closeable {
  private final BlockStore store;
  final BlockInfo block;
  final Path data;
  final Path meta;
  final int bytesPerChecksum;
  final StorageDir dir;
  private FileChannel dataChannel;
  private FileChannel metaChannel;
  private long length;
  /** Bytes every node of the pipeline has written: what a lease recovery may keep. */
  private volatile long acknowledged;
  /** When its pipeline let go of it, or 0 while one writes it. */
  private volatile long detachedAtMs;
  private boolean closed;
  /** Handed to a recovery: this object no longer owns the files. */
  private boolean superseded;

  /**
   * An unfinished replica found under tmp/ at start (its node crashed while writing it): kept,
   * cut to its intact prefix, for a lease recovery; hsync'd bytes survive the crash this way.
   */
  static ReplicaWriter found(BlockStore store, StorageDir dir, BlockInfo block, int bytesPerChecksum)
      throws IOException {
    ReplicaWriter w = new ReplicaWriter(store, dir, block, bytesPerChecksum, 0);
    long intact = ReplicaVerifier.intactPrefix(w.data, w.meta, bytesPerChecksum);
    w.closed = true;
    w.reopen();
    w.length = Files.size(w.data);
    w.prepareFinalize(intact);
    w.length = intact;
    w.acknowledged = intact;
    w.detach();
    return w;
  }

  /** A new, empty replica. */
  ReplicaWriter(BlockStore store, StorageDir dir, BlockInfo block, int bytesPerChecksum) throws IOException {
    this(store, dir, block, bytesPerChecksum, 0);
    dir.reuseKeptFileAs(data);
    dir.reuseKeptFileAs(meta);
    this.dataChannel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    this.metaChannel = ReplicaMeta.create(meta);
    ReplicaMeta.writeHeader(metaChannel, bytesPerChecksum);
  }

  private ReplicaWriter(BlockStore store, StorageDir dir, BlockInfo block, int bytesPerChecksum, long length) {
    this.store = store;
    this.dir = dir;
    this.block = block;
    this.bytesPerChecksum = bytesPerChecksum;
    this.length = length;
    this.data = dir.tmp().resolve(ReplicaFiles.dataName(block.getBlockId(), block.getGenerationStamp()));
    this.meta = dir.tmp().resolve(ReplicaFiles.metaName(block.getBlockId(), block.getGenerationStamp()));
  }

  public BlockInfo block() {
    return block.toBuilder().setLength(length).build();
  }

  public synchronized long length() {
    return length;
  }

  public long acknowledged() {
    return acknowledged;
  }

  /** Every pipeline node has the bytes up to {@code end}. */
  public void acknowledge(long end) {
    if (end > acknowledged) {
      acknowledged = end;
    }
  }

  /** What readers of the file being written may see: the acknowledged bytes. */
  public Replica visible() {
    return new Replica(block.toBuilder().setLength(acknowledged).build(), data, meta, bytesPerChecksum);
  }

  public int bytesPerChecksum() {
    return bytesPerChecksum;
  }

  /**
   * Appends chunk-aligned data with its checksums. Fails with {@link NoSpaceException} when the
   * node's capacity or the disk is exhausted; the caller aborts the replica.
   */
  public synchronized void append(ByteBuffer bytes, int[] checksums) throws IOException {
    ensureOwned();
    int n = bytes.remaining();
    if (!store.reserve(n)) {
      throw new NoSpaceException(ErrorCode.NO_SPACE, "storage node is full", data.toString());
    }
    try {
      while (bytes.hasRemaining()) {
        dataChannel.write(bytes, length + (n - bytes.remaining()));
      }
      ByteBuffer crcs = ByteBuffer.allocate(checksums.length * 4);
      for (int c : checksums) {
        crcs.putInt(c);
      }
      crcs.flip();
      long metaAt = ReplicaMeta.HEADER + (length / bytesPerChecksum) * 4;
      while (crcs.hasRemaining()) {
        metaAt += metaChannel.write(crcs, metaAt);
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

  /**
   * Cuts the replica to {@code offset} (chunk-aligned), dropping the checksums of the chunks past
   * it: a packet rewriting the partial last chunk after an hflush, or a recovery resuming there.
   */
  public synchronized void truncate(long offset) throws IOException {
    ensureOwned();
    if (offset > length || offset % bytesPerChecksum != 0 && offset != length) {
      throw new IOException("cannot cut a replica of " + length + " bytes to " + offset);
    }
    cut(offset);
  }

  /** Drops the bytes past {@code offset} and the checksums of the chunks wholly past it, and their space. */
  private void cut(long offset) throws IOException {
    dataChannel.truncate(offset);
    metaChannel.truncate(ReplicaMeta.HEADER + ((offset + bytesPerChecksum - 1) / bytesPerChecksum) * 4);
    store.release(length - offset);
    length = offset;
    acknowledged = Math.min(acknowledged, offset);
  }

  /** hsync: the bytes written so far survive a crash of this node. */
  public synchronized void force() throws IOException {
    ensureOwned();
    dataChannel.force(false);
    metaChannel.force(false);
  }

  /** Makes the bytes durable before the replica may be renamed into finalized/. */
  synchronized void sync() throws IOException {
    ensureOwned();
    dataChannel.force(true);
    metaChannel.force(true);
    close();
  }

  /**
   * Pipeline recovery: hands the files to a new writer under {@code recovered}'s (newer)
   * generation stamp, cut to {@code offset}. This object stops owning them, so the broken
   * pipeline's late packets or close can no longer touch them.
   */
  synchronized ReplicaWriter takeOver(BlockInfo recovered, long offset) throws IOException {
    ensureOwned();
    if (offset > length) {
      throw new IOException("replica has " + length + " bytes, recovery resumes at " + offset);
    }
    close();
    superseded = true;
    ReplicaWriter next = new ReplicaWriter(store, dir, recovered, bytesPerChecksum, length);
    Files.move(meta, next.meta, StandardCopyOption.ATOMIC_MOVE);
    Files.move(data, next.data, StandardCopyOption.ATOMIC_MOVE);
    next.dataChannel = FileChannel.open(next.data, StandardOpenOption.READ, StandardOpenOption.WRITE);
    next.metaChannel = FileChannel.open(next.meta, StandardOpenOption.WRITE);
    next.acknowledged = Math.min(acknowledged, offset);
    next.truncate(offset);
    return next;
  }

  /** Its pipeline broke: the files stay for a recovery until the store reaps them. */
  public synchronized void detach() {
    if (superseded || closed) {
      return;
    }
    try {
      close();
    } catch (IOException ignored) {
      // the files are all that matters now
    }
    detachedAtMs = System.currentTimeMillis();
  }

  long detachedAtMs() {
    return detachedAtMs;
  }

  /** Drops the partial replica and gives its space back (unless a recovery took it over). */
  public synchronized void abort() {
    if (superseded) {
      return;
    }
    superseded = true;
    try {
      close();
      dir.discard(data);
      dir.discard(meta);
    } catch (IOException ignored) {
      // a leftover tmp file is removed at the next start
    }
    store.release(length);
    length = 0;
    store.forget(this);
  }

  private void ensureOwned() throws IOException {
    if (superseded) {
      throw new IOException("replica " + data.getFileName() + " was taken over by a pipeline recovery");
    }
  }

  /** Reopens the files of a replica whose pipeline let go of it, to continue or finalize it. */
  private void reopen() throws IOException {
    if (closed) {
      dataChannel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE);
      metaChannel = FileChannel.open(meta, StandardOpenOption.WRITE);
      closed = false;
      detachedAtMs = 0;
    }
  }

  /** Lease recovery: cut to {@code newLength} and make ready for finalizing. */
  synchronized void prepareFinalize(long newLength) throws IOException {
    ensureOwned();
    reopen();
    if (newLength > length) {
      throw new IOException("replica has " + length + " bytes, cannot keep " + newLength);
    }
    if (newLength < length) {
      cut(newLength);
      rewriteLastChecksum();
    }
  }

  /** After a cut inside a chunk: the stored CRC covered the whole chunk, recompute it for what is left. */
  private void rewriteLastChecksum() throws IOException {
    int partial = (int) (length % bytesPerChecksum);
    if (partial == 0) {
      return;
    }
    long chunkStart = length - partial;
    int crc = ReplicaVerifier.checksum(data, chunkStart, partial);
    ByteBuffer stored = ByteBuffer.allocate(4).putInt(crc).flip();
    long at = ReplicaMeta.HEADER + (chunkStart / bytesPerChecksum) * 4;
    while (stored.hasRemaining()) {
      at += metaChannel.write(stored, at);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      if (dataChannel != null) {
        dataChannel.close();
      }
      if (metaChannel != null) {
        metaChannel.close();
      }
    }
  }
}
