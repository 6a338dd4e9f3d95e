package io.dfs.client.block;

import com.codahale.metrics.Meter;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.NodeInfo;
import java.io.Closeable;
import java.io.IOException;

/**
 * The local replica one stream reads from, kept between its reads (see {@link LocalReplica}): at
 * most one, replaced when the stream moves to another block. The stream's reads and its
 * read-ahead use it from two threads; a read that finds it closed by the other asks the node again.
 */
public final class LocalReplicaSlot implements Closeable {
  /** Client metric: bytes read straight from local replicas' files. */
  public static final String BYTES_READ = "client.read.short_circuit_bytes";

  private final Meter bytesRead;
  private LocalReplica kept; // guarded by this

  public LocalReplicaSlot(Meter bytesRead) {
    this.bytesRead = bytesRead;
  }

  /** The kept replica when it is the node's replica of this block, else null. */
  synchronized LocalReplica serving(NodeInfo node, BlockInfo block) {
    return kept != null && kept.serves(node, block) ? kept : null;
  }

  void keep(LocalReplica replica) {
    LocalReplica old;
    synchronized (this) {
      old = kept;
      kept = replica;
    }
    if (old != null) {
      old.close();
    }
  }

  /** Reads through {@code replica}, counting the bytes; a replica that fails a read is never used again. */
  int read(LocalReplica replica, long offset, byte[] dst, int dstOffset, int length) throws IOException {
    try {
      int n = replica.read(offset, dst, dstOffset, length);
      bytesRead.mark(n);
      return n;
    } catch (IOException e) {
      synchronized (this) {
        if (kept == replica) {
          kept = null;
        }
      }
      replica.close();
      throw e;
    }
  }

  @Override
  public void close() {
    keep(null);
  }
}
