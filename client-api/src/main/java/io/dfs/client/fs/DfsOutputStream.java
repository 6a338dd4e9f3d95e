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
   * Waits until every byte written so far is acknowledged by the pipeline (hflush): a reader that
   * opens the file afterwards is not promised to see them until close, but they survive a crash
   * of this client.
   */
  public abstract void hflush() throws IOException;

  /**
   * Attributes the file takes when {@link #close()} completes it, in the same metadata write as
   * the completion (one consensus round instead of one per change). Replaces an earlier update.
   */
  public abstract void setAttributesOnClose(AttributeUpdate update);

  /** The file as {@link #close()} left it (complete, attributes applied); null until then. */
  public abstract io.dfs.proto.FileStatus completed();
}
