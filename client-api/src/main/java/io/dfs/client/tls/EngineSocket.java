package io.dfs.client.tls;

import io.netty.util.ReferenceCountUtil;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Blocking streams over a connected socket, encrypted by an {@link SSLEngine}: how a blocking
 * client uses the same native TLS (BoringSSL) as the Netty connections, where the JDK's own
 * {@code SSLSocket} would do AES-GCM in Java (fast only after the C2 compiler got to it). One thread
 * may read while another writes, as the block transfer client does (packets out, acks in); the
 * engine serializes the two inside. Lock order: readLock before writeLock (a read may have to
 * answer the other end, a write never reads).
 */
final class EngineSocket {
  private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

  private final Socket socket;
  private final SSLEngine engine;
  private final InputStream rawIn;
  private final OutputStream rawOut;
  private final Object readLock = new Object();
  private final ReentrantLock writeLock = new ReentrantLock();
  private ByteBuffer netIn; // guarded by readLock: received records, write mode
  private ByteBuffer appIn; // guarded by readLock: decrypted bytes, read mode
  private ByteBuffer netOut; // guarded by writeLock
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Connects the engine (client mode) over the socket: the handshake is done when this returns. */
  EngineSocket(Socket socket, SSLEngine engine) throws IOException {
    this.socket = socket;
    this.engine = engine;
    this.rawIn = socket.getInputStream();
    this.rawOut = new BufferedOutputStream(socket.getOutputStream(), 1 << 17);
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    this.appIn.flip();
    this.netOut = ByteBuffer.allocate(packet);
    try {
      handshake();
    } catch (IOException | RuntimeException e) {
      release();
      throw e;
    }
  }

  private void handshake() throws IOException {
    engine.beginHandshake();
    while (true) {
      switch (engine.getHandshakeStatus()) {
        case NEED_WRAP -> sendHandshakeMessage();
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
          synchronized (readLock) {
            if (unwrapOnce() < 0) {
              throw new SSLException("connection closed during the TLS handshake with " + socket.getRemoteSocketAddress());
            }
          }
        }
        case NEED_TASK -> runTasks();
        default -> {
          return;
        }
      }
    }
  }

  final InputStream in = new InputStream() {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      synchronized (readLock) {
        while (!appIn.hasRemaining()) {
          if (unwrapOnce() < 0) {
            return -1;
          }
        }
        int n = Math.min(len, appIn.remaining());
        appIn.get(b, off, n);
        return n;
      }
    }
  };

  final OutputStream out = new OutputStream() {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writeLock.lock();
      try {
        ByteBuffer src = ByteBuffer.wrap(b, off, len);
        while (src.hasRemaining()) {
          SSLEngineResult r = wrapAndSend(src);
          if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("the TLS connection to " + socket.getRemoteSocketAddress() + " is closed");
          }
          if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
            throw new SSLException("TLS made no progress writing to " + socket.getRemoteSocketAddress() + ": " + r);
          }
        }
      } finally {
        writeLock.unlock();
      }
    }

    @Override
    public void flush() throws IOException {
      writeLock.lock();
      try {
        rawOut.flush();
      } finally {
        writeLock.unlock();
      }
    }
  };

  /**
   * Decrypts what has arrived into {@link #appIn}, reading from the socket when a whole record is
   * not there yet. Returns -1 at the end of the stream, else 0 (some progress, maybe no bytes).
   * Caller holds readLock.
   */
  private int unwrapOnce() throws IOException {
    appIn.compact();
    try {
      while (true) {
        netIn.flip();
        SSLEngineResult r;
        try {
          r = engine.unwrap(netIn, appIn);
        } finally {
          netIn.compact();
        }
        switch (r.getStatus()) {
          case OK -> {
            afterResult(r);
            return 0;
          }
          case CLOSED -> {
            return -1;
          }
          case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
          case BUFFER_UNDERFLOW -> {
            if (netIn.remaining() < engine.getSession().getPacketBufferSize()) {
              netIn = grow(netIn, engine.getSession().getPacketBufferSize());
            }
            int n = rawIn.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
            if (n < 0) {
              if (netIn.position() > 0) {
                throw new EOFException("connection closed inside a TLS record from " + socket.getRemoteSocketAddress());
              }
              return -1;
            }
            netIn.position(netIn.position() + n);
          }
          default -> throw new SSLException("unexpected TLS state " + r);
        }
      }
    } finally {
      appIn.flip();
    }
  }

  /** A message the engine has to send by itself (the handshake's, a session ticket's answer). */
  private void sendHandshakeMessage() throws IOException {
    writeLock.lock();
    try {
      wrapAndSend(NOTHING);
      rawOut.flush();
    } finally {
      writeLock.unlock();
    }
  }

  /** Encrypts some of {@code src} (or a message of the engine's own) and sends it. Caller holds writeLock. */
  private SSLEngineResult wrapAndSend(ByteBuffer src) throws IOException {
    while (true) {
      netOut.clear();
      SSLEngineResult r = engine.wrap(src, netOut);
      switch (r.getStatus()) {
        case OK, CLOSED -> {
          netOut.flip();
          rawOut.write(netOut.array(), netOut.arrayOffset(), netOut.limit());
          if (r.getStatus() == SSLEngineResult.Status.OK) {
            afterResult(r);
          }
          return r;
        }
        case BUFFER_OVERFLOW -> netOut = ByteBuffer.allocate(Math.max(netOut.capacity() * 2,
            engine.getSession().getPacketBufferSize()));
        default -> throw new SSLException("unexpected TLS state " + r);
      }
    }
  }

  /** Messages the engine exchanges by itself after the handshake (TLS 1.3 session tickets, key updates). */
  private void afterResult(SSLEngineResult r) throws IOException {
    switch (r.getHandshakeStatus()) {
      case NEED_TASK -> runTasks();
      case NEED_WRAP -> sendHandshakeMessage();
      default -> {
        // nothing to do
      }
    }
  }

  private void runTasks() {
    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
      task.run();
    }
  }

  private static ByteBuffer grow(ByteBuffer b, int atLeast) {
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + atLeast));
    b.flip();
    bigger.put(b);
    return bigger;
  }

  /**
   * Closes the socket and frees the engine's native state, once; says close_notify first unless a
   * writer is in the middle of a write (maybe blocked on a dead peer, which closing the socket
   * is what frees).
   */
  void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (writeLock.tryLock()) {
        try {
          engine.closeOutbound();
          wrapAndSend(NOTHING);
          rawOut.flush();
        } catch (IOException alreadyGone) {
          // the other end went first
        } finally {
          writeLock.unlock();
        }
      }
    } finally {
      socket.close();
      release();
    }
  }

  private void release() {
    ReferenceCountUtil.release(engine);
  }
}
