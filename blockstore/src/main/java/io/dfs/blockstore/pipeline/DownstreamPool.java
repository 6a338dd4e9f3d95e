package io.dfs.blockstore.pipeline;

import io.dfs.client.transfer.TransferFrame;
import io.dfs.proto.NodeInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Connections to next pipeline nodes that finished a block cleanly, kept for the next block to the
 * same node: a small file's pipeline spent ~1.8 ms of its ~6 ms connecting to each next node (TCP
 * handshake, a new channel and handler on both sides). The next node's connection handler takes
 * the next block's setup on the same connection once the previous block's last ack is sent.
 *
 * <p>At most {@link #MAX_IDLE_PER_NODE} links are kept per next node, each for at most
 * {@link #IDLE_MS}; a link the next node closes while idle leaves the pool at once. One monitor
 * guards the map; links are closed outside it.
 */
public final class DownstreamPool {
  /** As many as a client keeps to this node (see NodeConnections): each of its blocks may come here. */
  static final int MAX_IDLE_PER_NODE = 32;
  static final long IDLE_MS = 30_000;

  private final Map<String, ArrayDeque<DownstreamLink>> idle = new HashMap<>(); // guarded by this

  /** An idle open link to {@code next}, now sending its events to {@code listener}; null when none. */
  DownstreamLink take(NodeInfo next, DownstreamLink.Listener listener) {
    long now = System.currentTimeMillis();
    List<DownstreamLink> stale = new ArrayList<>();
    DownstreamLink found = null;
    synchronized (this) {
      ArrayDeque<DownstreamLink> q = idle.get(key(next));
      while (q != null && !q.isEmpty() && found == null) {
        DownstreamLink l = q.pollLast();
        if (l.isOpen() && now - l.idleSinceMs() < IDLE_MS) {
          found = l;
        } else {
          stale.add(l);
        }
      }
    }
    stale.forEach(DownstreamLink::close);
    if (found != null) {
      found.rebind(listener);
    }
    return found;
  }

  /** A link whose block ended cleanly (every ack a success): kept for the next block to its node. */
  void giveBack(DownstreamLink link) {
    link.markIdle();
    link.rebind(new DownstreamLink.Listener() {
      @Override
      public void onFrame(TransferFrame frame) {
        frame.release(); // nothing may come on an idle link: it is no longer in step
        forget(link);
        link.close();
      }

      @Override
      public void onClosed() {
        forget(link);
      }

      @Override
      public void onWritable(boolean writable) {
        // nothing is sent on an idle link
      }
    });
    boolean kept;
    synchronized (this) {
      ArrayDeque<DownstreamLink> q = idle.computeIfAbsent(key(link.next()), k -> new ArrayDeque<>());
      kept = q.size() < MAX_IDLE_PER_NODE && link.isOpen();
      if (kept) {
        q.addLast(link);
      }
    }
    if (!kept) {
      link.close();
    }
  }

  private synchronized void forget(DownstreamLink link) {
    ArrayDeque<DownstreamLink> q = idle.get(key(link.next()));
    if (q != null) {
      q.remove(link);
    }
  }

  private static String key(NodeInfo node) {
    return node.getHost() + ":" + node.getDataPort();
  }
}
