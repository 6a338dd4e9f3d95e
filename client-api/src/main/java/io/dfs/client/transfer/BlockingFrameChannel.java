package io.dfs.client.transfer;

import io.dfs.client.tls.ClusterTls;
import io.dfs.proto.TransferHeader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The client's side of the block transfer protocol over a plain socket: one stream per block,
 * read and written by dedicated threads, which is simpler than an event loop and just as fast for
 * a sequential stream. Frames are the same as {@link TransferFrameDecoder}'s.
 */
public final class BlockingFrameChannel implements Closeable {
  /** Per-frame data read by {@link #read}: the header and the raw bytes after it. */
  public record Frame(TransferHeader header, byte[] data) {}

  private final ClusterTls.Connection connection;
  private final DataInputStream in;
  private final DataOutputStream out;

  private BlockingFrameChannel(ClusterTls.Connection connection) {
    this.connection = connection;
    this.in = new DataInputStream(new BufferedInputStream(connection.in(), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(connection.out(), 1 << 16));
  }

  /** Connects to a storage node's transfer port, through TLS when the cluster uses it. */
  public static BlockingFrameChannel connect(String host, int port, int connectTimeoutMs, int readTimeoutMs,
      ClusterTls tls) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setSendBufferSize(1 << 20);
      s.setReceiveBufferSize(1 << 20);
      s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
      s.setSoTimeout(readTimeoutMs);
      return new BlockingFrameChannel(tls.secure(s, host, port));
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  public synchronized void write(TransferHeader header, byte[] data, int offset, int length) throws IOException {
    byte[] h = header.toByteArray();
    out.writeInt(4 + h.length + length);
    out.writeInt(h.length);
    out.write(h);
    if (length > 0) {
      out.write(data, offset, length);
    }
  }

  public synchronized void flush() throws IOException {
    out.flush();
  }

  public void write(TransferHeader header) throws IOException {
    write(header, null, 0, 0);
    flush();
  }

  /** A frame's header, its raw data not read yet: follow with {@link #readData} for exactly {@code dataLength} bytes. */
  public record Head(TransferHeader header, int dataLength) {}

  public Head readHead() throws IOException {
    int frameLength;
    try {
      frameLength = in.readInt();
    } catch (EOFException e) {
      throw new EOFException("connection closed by " + connection.socket().getRemoteSocketAddress());
    }
    if (frameLength < 4 || frameLength > TransferFrameDecoder.MAX_FRAME) {
      throw new IOException("bad frame length " + frameLength + " from " + connection.socket().getRemoteSocketAddress());
    }
    int headerLength = in.readInt();
    if (headerLength < 0 || headerLength > frameLength - 4) {
      throw new IOException("bad header length " + headerLength);
    }
    byte[] h = new byte[headerLength];
    in.readFully(h);
    return new Head(TransferHeader.parseFrom(h), frameLength - 4 - headerLength);
  }

  /** The raw data of the frame whose head was just read, straight into {@code dst}. */
  public void readData(byte[] dst, int offset, int length) throws IOException {
    in.readFully(dst, offset, length);
  }

  public Frame read() throws IOException {
    Head head = readHead();
    byte[] data = new byte[head.dataLength()];
    in.readFully(data);
    return new Frame(head.header(), data);
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
