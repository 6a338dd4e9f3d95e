package io.dfs.client.block;

import io.dfs.client.tls.ClusterTls;
import io.dfs.client.transfer.BlockingFrameChannel;
import io.dfs.proto.NodeInfo;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle connections to storage nodes, kept for the next read or block write (HDFS's client keeps a
 * socket cache for reads): a read is one request and its packets, a write one block's packets and
 * acks, after which the connection is free for the next one, so a stream reading block after
 * block, or many small files written to or read from the same nodes, does not pay a TCP handshake
 * and a new node-side handler each time. At most
 * {@link #MAX_IDLE_PER_NODE} are kept per node, each for at most {@link #IDLE_MS}.
 */
public final class NodeConnections implements java.io.Closeable {
  /**
   * As many as a mount completes files at once (its write-back runs 32): with 8, a tar through
   * the mount opened a new TLS connection for about one file in three.
   */
  static final int MAX_IDLE_PER_NODE = 32;
  static final long IDLE_MS = 30_000;
  static final int CONNECT_TIMEOUT_MS = 5_000;

  private record Idle(BlockingFrameChannel channel, long sinceMs) {}

  private final ClusterTls tls;
  private final Map<String, ArrayDeque<Idle>> idle = new HashMap<>(); // guarded by this

  /** Connections made as the identity {@code tls} holds (in the clear without TLS). */
  public NodeConnections(ClusterTls tls) {
    this.tls = tls;
  }

  /** A new connection to the node's transfer port, not from the idle ones. */
  public BlockingFrameChannel connect(NodeInfo node) throws IOException {
    return connect(node, BlockWriter.TIMEOUT_MS);
  }

  /** A new connection whose reads give up after {@code readTimeoutMs} of silence. */
  public BlockingFrameChannel connect(NodeInfo node, int readTimeoutMs) throws IOException {
    return BlockingFrameChannel.connect(node.getHost(), node.getDataPort(), CONNECT_TIMEOUT_MS, readTimeoutMs, tls);
  }

  /** A connection to the node that was idle, or null when none is. */
  BlockingFrameChannel takeIdle(NodeInfo node) {
    long now = System.currentTimeMillis();
    while (true) {
      Idle found;
      synchronized (this) {
        ArrayDeque<Idle> q = idle.get(key(node));
        found = q == null ? null : q.pollLast();
      }
      if (found == null) {
        return null;
      }
      if (now - found.sinceMs() < IDLE_MS) {
        return found.channel();
      }
      closeQuietly(found.channel());
    }
  }

  /** A connection whose last exchange ended cleanly, for the next read from the node. */
  void giveBack(NodeInfo node, BlockingFrameChannel channel) {
    boolean kept;
    synchronized (this) {
      ArrayDeque<Idle> q = idle.computeIfAbsent(key(node), k -> new ArrayDeque<>());
      kept = q.size() < MAX_IDLE_PER_NODE;
      if (kept) {
        q.addLast(new Idle(channel, System.currentTimeMillis()));
      }
    }
    if (!kept) {
      closeQuietly(channel);
    }
  }

  /** Closes every idle connection to the node: one of them was found closed by the node (it restarted). */
  void forget(NodeInfo node) {
    ArrayDeque<Idle> q;
    synchronized (this) {
      q = idle.remove(key(node));
    }
    if (q != null) {
      q.forEach(i -> closeQuietly(i.channel()));
    }
  }

  /** Closes every idle connection. */
  @Override
  public void close() {
    java.util.List<Idle> all = new java.util.ArrayList<>();
    synchronized (this) {
      idle.values().forEach(all::addAll);
      idle.clear();
    }
    all.forEach(i -> closeQuietly(i.channel()));
  }

  private static String key(NodeInfo node) {
    return node.getHost() + ":" + node.getDataPort();
  }

  static void closeQuietly(BlockingFrameChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // a connection we were done with
    }
  }
}
