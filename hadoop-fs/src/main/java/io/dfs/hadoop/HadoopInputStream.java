package io.dfs.hadoop;

import io.dfs.client.fs.DfsInputStream;
import java.io.EOFException;
import java.io.IOException;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;

/** A {@link DfsInputStream} as Hadoop's seekable, positioned-readable input, counting bytes read. */
final class HadoopInputStream extends FSInputStream {
  private final DfsInputStream in;
  private final FileSystem.Statistics statistics;
  private boolean closed;

  HadoopInputStream(DfsInputStream in, FileSystem.Statistics statistics) {
    this.in = in;
    this.statistics = statistics;
  }

  @Override
  public synchronized void seek(long position) throws IOException {
    checkOpen();
    if (position < 0) {
      throw new EOFException(FSExceptionMessages.NEGATIVE_SEEK + ": " + position);
    }
    if (position > in.length()) {
      throw new EOFException(FSExceptionMessages.CANNOT_SEEK_PAST_EOF + ": " + position);
    }
    in.seek(position);
  }

  @Override
  public synchronized long getPos() throws IOException {
    checkOpen();
    return in.getPos();
  }

  /** Every read already fails over between replicas on its own. */
  @Override
  public boolean seekToNewSource(long targetPos) {
    return false;
  }

  @Override
  public synchronized int read() throws IOException {
    checkOpen();
    int b = in.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public synchronized int read(byte[] buffer, int offset, int length) throws IOException {
    checkOpen();
    validatePositionedReadArgs(0, buffer, offset, length);
    if (length == 0) {
      return 0;
    }
    int n = in.read(buffer, offset, length);
    count(n);
    return n;
  }

  /** Positioned reads leave the stream's position alone, so they need not hold its monitor. */
  @Override
  public int read(long position, byte[] buffer, int offset, int length) throws IOException {
    checkOpen();
    validatePositionedReadArgs(position, buffer, offset, length);
    if (length == 0) {
      return 0;
    }
    int n = in.read(position, buffer, offset, length);
    count(n);
    return n;
  }

  @Override
  public synchronized int available() throws IOException {
    checkOpen();
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, in.length() - in.getPos()));
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      in.close();
    }
  }

  private void count(int n) {
    if (n > 0 && statistics != null) {
      statistics.incrementBytesRead(n);
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException(FSExceptionMessages.STREAM_IS_CLOSED);
    }
  }
}
