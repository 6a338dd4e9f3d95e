package io.dfs.client.fs;

import io.dfs.client.block.BlockReader;
import io.dfs.client.block.Holes;
import io.dfs.client.block.LocalReplicaSlot;
import io.dfs.client.block.NodeConnections;
import io.dfs.client.error.StorageException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.NodeInfo;
import java.io.IOException;
import java.util.List;

/**
 * Reads a file through a read-ahead buffer, block by block, from the first replica that answers
 * with intact data. A replica that fails its checksums is reported to the leader (which repairs
 * it) and skipped; when every known replica fails, the block locations are fetched again once
 * before giving up.
 */
final class DfsClientInputStream extends DfsInputStream {
  static final int READ_AHEAD = 4 << 20;
  /**
   * Streams of this client that may read ahead at once, each with one spare window: the memory
   * spent on read-ahead is bounded (32 x 4 MiB) however many files are open; the others read
   * without prefetching.
   */
  static final int PREFETCHING_STREAMS = 32;
  private static final java.util.concurrent.Semaphore PREFETCH_SLOTS =
      new java.util.concurrent.Semaphore(PREFETCHING_STREAMS);
  /** Gives a stream's slot back if it is dropped without close. */
  private static final java.lang.ref.Cleaner SLOT_RETURN = java.lang.ref.Cleaner.create();
  /** Prefetches run here so the next window arrives while the reader consumes this one. */
  private static final java.util.concurrent.ExecutorService PREFETCH =
      java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dfs-prefetch");
        t.setDaemon(true);
        return t;
      });

  private final MetadataClient metadata;
  private final NodeConnections connections;
  /** The local replica this stream reads from, kept between windows (short-circuit reads). */
  private final LocalReplicaSlot local;
  private final String path;
  /** The file this stream reads, whatever its path names later (a rename must never mix files). */
  private final long inodeId;
  private final long length;
  /** Window size: a small file gets a buffer of its own size, not 4 MiB. */
  private final int window;
  private List<LocatedBlock> blocks;
  private byte[] buffer;
  /** The prefetch window; non-null only while this stream holds a prefetch slot. */
  private byte[] spare;
  /** Returns the prefetch slot exactly once: at close, or when the stream is collected unclosed. */
  private java.lang.ref.Cleaner.Cleanable slot;
  private long bufferStart;
  private int bufferLength;
  private long prefetchStart = -1;
  private java.util.concurrent.Future<Integer> prefetch;
  private long pos;
  private boolean closed;

  DfsClientInputStream(MetadataClient metadata, NodeConnections connections, String path, long inodeId, long length, List<LocatedBlock> blocks) {
    this.metadata = metadata;
    this.connections = connections;
    this.local = new LocalReplicaSlot(metadata.metrics().meter(LocalReplicaSlot.BYTES_READ));
    this.path = path;
    this.inodeId = inodeId;
    this.length = length;
    this.window = (int) Math.max(1, Math.min(READ_AHEAD, length));
    this.blocks = blocks;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    if (len == 0) {
      return 0;
    }
    if (pos >= length) {
      return -1;
    }
    if (pos < bufferStart || pos >= bufferStart + bufferLength) {
      fill();
    }
    int n = (int) Math.min(len, bufferStart + bufferLength - pos);
    System.arraycopy(buffer, (int) (pos - bufferStart), b, off, n);
    pos += n;
    return n;
  }

  /**
   * Makes the window at {@code pos} current, from the prefetch when it guessed right, and, when
   * the reader is going through the file in order, starts fetching the next one.
   */
  private void fill() throws IOException {
    if (buffer == null) {
      buffer = new byte[window];
    }
    boolean sequential = pos == 0 || pos == bufferStart + bufferLength;
    int wanted = (int) Math.min(window, length - pos);
    if (prefetch != null && prefetchStart == pos) {
      try {
        bufferLength = prefetch.get();
      } catch (java.util.concurrent.ExecutionException e) {
        bufferLength = readAt(pos, spare, 0, wanted); // fail over again in the foreground
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while reading " + path);
      }
      byte[] t = buffer;
      buffer = spare;
      spare = t;
    } else {
      cancelPrefetch();
      bufferLength = readAt(pos, buffer, 0, wanted);
    }
    bufferStart = pos;
    prefetch = null;
    long next = bufferStart + bufferLength;
    if (sequential && next < length && (spare != null || PREFETCH_SLOTS.tryAcquire())) {
      if (spare == null) {
        spare = new byte[window];
        slot = SLOT_RETURN.register(this, PREFETCH_SLOTS::release);
      }
      byte[] target = spare;
      int n = (int) Math.min(target.length, length - next);
      prefetchStart = next;
      prefetch = PREFETCH.submit(() -> readAt(next, target, 0, n));
    }
  }

  private void cancelPrefetch() {
    if (prefetch != null) {
      try {
        prefetch.get(); // let it finish: it writes into the spare buffer
      } catch (Exception ignored) {
        // only a guess
      }
      prefetch = null;
      prefetchStart = -1;
    }
  }

  @Override
  public int read(long position, byte[] b, int off, int len) throws IOException {
    ensureOpen();
    if (position >= length) {
      return -1;
    }
    return readAt(position, b, off, (int) Math.min(len, length - position));
  }

  @Override
  public void seek(long position) throws IOException {
    if (position < 0) {
      throw new IOException("negative seek position " + position);
    }
    pos = position;
  }

  @Override
  public long getPos() {
    return pos;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, length - pos));
  }

  @Override
  public long skip(long n) {
    long skipped = Math.max(0, Math.min(n, length - pos));
    pos += skipped;
    return skipped;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelPrefetch();
    local.close();
    buffer = null;
    spare = null;
    if (slot != null) {
      slot.clean();
    }
  }

  /** Fills {@code len} bytes at {@code position}, crossing block boundaries as needed. */
  private int readAt(long position, byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      LocatedBlock block = blockAt(position + done);
      long inBlock = position + done - block.getOffset();
      int n = (int) Math.min(len - done, block.getBlock().getLength() - inBlock);
      if (Holes.isHole(block.getBlock())) {
        java.util.Arrays.fill(b, off + done, off + done + n, (byte) 0);
      } else {
        readFromSomeReplica(block, inBlock, b, off + done, n);
      }
      done += n;
    }
    return done;
  }

  private void readFromSomeReplica(LocatedBlock block, long inBlock, byte[] b, int off, int len) throws IOException {
    IOException last = null;
    for (int round = 0; round < 2; round++) {
      // the leader lists the least busy replicas first; one on this machine goes before them all
      List<NodeInfo> nodes = new java.util.ArrayList<>(block.getLocationsList());
      nodes.sort(java.util.Comparator.comparing((NodeInfo n) -> !BlockReader.isLocal(n)));
      for (NodeInfo node : nodes) {
        try {
          int n = BlockReader.read(connections, node, block.getBlock(), block.getToken(), inBlock, b, off, len,
              metadata.clientId(), local);
          if (n == len) {
            return;
          }
          last = new IOException("short replica of block " + block.getBlock().getBlockId() + " on " + node.getNodeId());
        } catch (BlockReader.ChecksumException e) {
          last = e;
          reportCorrupt(block, node);
        } catch (IOException e) {
          last = e;
        }
      }
      block = refresh(block);
    }
    throw new StorageException(ErrorCode.IO_ERROR, "no intact replica of block " + block.getBlock().getBlockId()
        + (last == null ? " (no live replica known)" : ": " + last.getMessage()), path);
  }

  private void reportCorrupt(LocatedBlock block, NodeInfo node) {
    try {
      metadata.reportBadBlock(BadBlockReportRequest.newBuilder().setNodeId(node.getNodeId())
          .setBlock(block.getBlock()).setReporter(metadata.clientId()).build());
    } catch (IOException ignored) {
      // the scanner on that node finds it too
    }
  }

  /**
   * Fetches the block's locations again; when none is known yet (a node's report on its way after
   * a restart), waits a little for one, up to a few seconds.
   */
  private LocatedBlock refresh(LocatedBlock stale) throws IOException {
    LocatedBlock fresh = stale;
    for (int attempt = 0; attempt < 20; attempt++) {
      List<LocatedBlock> now = metadata.getBlockLocations(path, inodeId, 0, 0).getBlocksList();
      LocatedBlock found = now.stream().filter(b -> b.getBlock().getBlockId() == stale.getBlock().getBlockId())
          .findFirst().orElse(stale);
      fresh = found;
      blocks = blocks.stream().map(b -> b.getBlock().getBlockId() == found.getBlock().getBlockId() ? found : b)
          .toList();
      if (fresh.getLocationsCount() > 0) {
        return fresh;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while reading " + path);
      }
    }
    return fresh;
  }

  private LocatedBlock blockAt(long position) throws IOException {
    for (LocatedBlock b : blocks) {
      if (position >= b.getOffset() && position < b.getOffset() + b.getBlock().getLength()) {
        return b;
      }
    }
    throw new StorageException(ErrorCode.IO_ERROR, "no block holds offset " + position, path);
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stream is closed: " + path);
    }
  }
}
