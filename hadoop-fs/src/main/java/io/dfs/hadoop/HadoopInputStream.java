package io.dfs.hadoop;

import static org.apache.hadoop.fs.statistics.StreamStatisticNames.STREAM_READ_BYTES;
import static org.apache.hadoop.fs.statistics.StreamStatisticNames.STREAM_READ_OPERATIONS;
import static org.apache.hadoop.fs.statistics.StreamStatisticNames.STREAM_READ_SEEK_OPERATIONS;

import io.dfs.client.fs.DfsInputStream;
import java.io.EOFException;
import java.io.IOException;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsBinding;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsStore;

/** A {@link DfsInputStream} as Hadoop's seekable, positioned-readable input, counting what it reads. */
final class HadoopInputStream extends FSInputStream implements IOStatisticsSource {
  private final DfsInputStream in;
  private final FileSystem.Statistics statistics;
  private final IOStatisticsStore iostatistics = IOStatisticsBinding.iostatisticsStore()
      .withCounters(STREAM_READ_BYTES, STREAM_READ_OPERATIONS, STREAM_READ_SEEK_OPERATIONS).build();
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
    iostatistics.incrementCounter(STREAM_READ_SEEK_OPERATIONS);
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
    count(b >= 0 ? 1 : 0);
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

  @Override
  public IOStatistics getIOStatistics() {
    return iostatistics;
  }

  private void count(int n) {
    iostatistics.incrementCounter(STREAM_READ_OPERATIONS);
    if (n > 0) {
      iostatistics.incrementCounter(STREAM_READ_BYTES, n);
      if (statistics != null) {
        statistics.incrementBytesRead(n);
      }
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException(FSExceptionMessages.STREAM_IS_CLOSED);
    }
  }
}
