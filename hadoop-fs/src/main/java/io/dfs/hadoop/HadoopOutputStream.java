package io.dfs.hadoop;

import io.dfs.client.fs.DfsOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.Syncable;
import org.apache.hadoop.util.Progressable;

/**
 * A {@link DfsOutputStream} with Hadoop's {@link Syncable} contract: {@code hflush} makes every
 * byte written so far visible to new readers and survive this client's crash; {@code hsync} also
 * fsyncs it on every pipeline node. Close completes the file.
 */
final class HadoopOutputStream extends OutputStream implements Syncable, StreamCapabilities {
  private final DfsOutputStream out;
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
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    checkOpen();
    out.write(b, off, len);
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
  }

  @Override
  public synchronized void hsync() throws IOException {
    checkOpen();
    out.hsync();
  }

  @Override
  public boolean hasCapability(String capability) {
    return switch (capability.toLowerCase(java.util.Locale.ROOT)) {
      case StreamCapabilities.HFLUSH, StreamCapabilities.HSYNC -> true;
      default -> false;
    };
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
