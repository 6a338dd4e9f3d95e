package io.dfs.client.fs;

import java.io.IOException;
import java.io.InputStream;

/** Reads a file with seek and positional reads; fails over between replicas on its own. */
public abstract class DfsInputStream extends InputStream {

  /** Moves the read position; seeking past the end makes the next read return -1. */
  public abstract void seek(long position) throws IOException;

  public abstract long getPos() throws IOException;

  /** The file's length when it was opened. */
  public abstract long length();

  /**
   * Reads up to {@code length} bytes at {@code position} without moving the stream's position.
   * Returns -1 at or past the end of the file.
   */
  public abstract int read(long position, byte[] buffer, int offset, int length) throws IOException;
}
