package io.dfs.client.fs;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a new file block by block through a replication pipeline. {@link #close()} returns only
 * after every block is acknowledged by enough replicas and the file is complete in the namespace.
 */
public abstract class DfsOutputStream extends OutputStream {

  /** Bytes written so far. */
  public abstract long getPos();

  /** The file as created (for a replacement, the hidden file that takes its place on close). */
  public abstract io.dfs.proto.FileStatus created();

  /**
   * Waits until every byte written so far is on every node of the pipeline (hflush). The block
   * stays open: later writes continue it. The bytes survive a crash of this client (lease
   * recovery completes the file at the length every node acknowledged).
   */
  public abstract void hflush() throws IOException;

  /** {@link #hflush()}, and every node has also fsync'd the bytes: they survive a crash of every node. */
  public abstract void hsync() throws IOException;

  /**
   * Attributes the file takes when {@link #close()} completes it, in the same metadata write as
   * the completion (one consensus round instead of one per change). Replaces an earlier update.
   */
  public abstract void setAttributesOnClose(AttributeUpdate update);

  /**
   * Adds to what the completion applies while another thread may be closing the stream (a
   * write-behind): an attribute change, and a rename of the file (to {@code destination}, or null
   * for none), applied after the completion in its metadata write. False when the completion was
   * sent already, or cannot carry them; the caller then waits for {@link #close()} and applies them itself.
   */
  public boolean addToCompletion(java.util.function.UnaryOperator<AttributeUpdate> change, String destination) {
    return false;
  }

  /**
   * Nobody's next step waits for this stream's {@link #close()} (a write-behind): its completion
   * may wait to share a Raft entry with other background writes of the client (see
   * {@link io.dfs.client.metadata.WriteLane#BACKGROUND}). close() still returns only once the file
   * is complete.
   */
  public abstract void completeInBackground();

  /** The file as {@link #close()} left it (complete, attributes applied); null until then. */
  public abstract io.dfs.proto.FileStatus completed();
}
