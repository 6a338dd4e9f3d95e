package io.dfs.client.block;

import com.codahale.metrics.Meter;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.NodeInfo;
import java.io.Closeable;

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

  /** The replica failed a read: never used again. */
  void drop(LocalReplica replica) {
    synchronized (this) {
      if (kept == replica) {
        kept = null;
      }
    }
    replica.close();
  }

  void counted(int bytes) {
    bytesRead.mark(bytes);
  }

  @Override
  public void close() {
    keep(null);
  }
}
