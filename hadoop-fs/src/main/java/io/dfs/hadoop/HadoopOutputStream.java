package io.dfs.hadoop;

import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_HFLUSH;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_HSYNC;
import static org.apache.hadoop.fs.statistics.StreamStatisticNames.STREAM_WRITE_BYTES;

import io.dfs.client.fs.DfsOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.Syncable;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsBinding;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsStore;
import org.apache.hadoop.util.Progressable;

/**
 * A {@link DfsOutputStream} with Hadoop's {@link Syncable} contract: {@code hflush} makes every
 * byte written so far visible to new readers and survive this client's crash; {@code hsync} also
 * fsyncs it on every pipeline node. Close completes the file.
 */
final class HadoopOutputStream extends OutputStream implements Syncable, StreamCapabilities, IOStatisticsSource {
  private final DfsOutputStream out;
  private final IOStatisticsStore iostatistics = IOStatisticsBinding.iostatisticsStore()
      .withCounters(STREAM_WRITE_BYTES, OP_HFLUSH, OP_HSYNC).build();
  private final Progressable progress;
  private boolean closed;

  HadoopOutputStream(DfsOutputStream out, Progressable progress) {
    this.out = out;
    this.progress = progress;
  }

  @Override
  public synchronized void write(int b) throws IOException {
    checkOpen();
    out.write(b);
    iostatistics.incrementCounter(STREAM_WRITE_BYTES);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    checkOpen();
    out.write(b, off, len);
    iostatistics.incrementCounter(STREAM_WRITE_BYTES, len);
    if (progress != null) {
      progress.progress();
    }
  }

  /** Bytes stay in the client until a packet is full; only hflush/hsync/close push them out. */
  @Override
  public synchronized void flush() throws IOException {
    checkOpen();
  }

  @Override
  public synchronized void hflush() throws IOException {
    checkOpen();
    out.hflush();
    iostatistics.incrementCounter(OP_HFLUSH);
  }

  @Override
  public synchronized void hsync() throws IOException {
    checkOpen();
    out.hsync();
    iostatistics.incrementCounter(OP_HSYNC);
  }

  @Override
  public boolean hasCapability(String capability) {
    return switch (capability.toLowerCase(java.util.Locale.ROOT)) {
      case StreamCapabilities.HFLUSH, StreamCapabilities.HSYNC, StreamCapabilities.IOSTATISTICS -> true;
      default -> false;
    };
  }

  @Override
  public IOStatistics getIOStatistics() {
    return iostatistics;
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      HadoopErrors.call(() -> {
        out.close();
        return null;
      });
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException(FSExceptionMessages.STREAM_IS_CLOSED);
    }
  }
}
