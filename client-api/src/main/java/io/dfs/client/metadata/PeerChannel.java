package io.dfs.client.metadata;

import io.dfs.client.config.PeerAddress;
import io.dfs.client.tls.ClusterTls;
import io.dfs.proto.CallReply;
import io.dfs.proto.Caller;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.ReadMode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's calls to the metadata peers' RPC ports: many calls in flight on one connection,
 * answered in any order, matched by call id. It follows the leader by itself (a peer that cannot
 * answer replies NOT_LEADER naming where to go) and sends a call again after a leader change, a
 * lost connection or a silent peer, with the same call id: the leader's client sessions make a
 * write that reaches the log twice count once. A call gives up after its time budget.
 *
 * <p>All state belongs to the channel's event loop (one thread); callers only hand calls to it,
 * and results complete on a separate executor so that no caller's continuation runs on, or
 * blocks, the loop.
 */
public final class PeerChannel implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerChannel.class);
  static final int CONNECT_TIMEOUT_MS = 3_000;
  /**
   * Calls fail this long after no peer could even be connected to (a cluster that is down, a wrong
   * address), rather than after their whole budget: an election never takes this long.
   */
  static final long UNREACHABLE_MS = 30_000;

  private static final class Outstanding {
    final ClientCall call;
    final CompletableFuture<MetaResponse> result;
    final long deadlineNanos;
    Channel sentOn;
    long sentNanos;
    int attempts;

    Outstanding(ClientCall call, CompletableFuture<MetaResponse> result, long deadlineNanos) {
      this.call = call;
      this.result = result;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final List<PeerAddress> peers;
  private final String clientId;
  private final boolean followLeader;
  private final long attemptTimeoutNanos;
  private final long budgetNanos;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final ExecutorService replies = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "metadata-replies");
    t.setDaemon(true);
    return t;
  });
  private final ClusterTls tls;
  private final Caller user;
  private final Bootstrap bootstrap;

  // ---- owned by the event loop
  private final TreeMap<Long, Outstanding> outstanding = new TreeMap<>();
  private long nextCallId = 1;
  private int target;
  private Channel channel;
  /** The connection a move to another peer is scheduled off, so concurrent redirects move once. */
  private Channel leaving;
  /** Consecutive failures to reach or be answered by a peer: the pause before the next try grows. */
  private int failures;
  /** Since when every attempt to connect failed (System.nanoTime); 0 while a peer is reachable. */
  private long unreachableSinceNanos;
  private boolean closed;

  /**
   * @param peers every peer's RPC address
   * @param followLeader go where NOT_LEADER points; false pins the channel to its first peer for
   *     stale reads, which any peer answers
   * @param attemptTimeoutMs a call unanswered this long is sent again (to the next peer after two)
   * @param budgetMs a call unanswered this long fails
   * @param user who the calls are made for
   */
  public PeerChannel(List<PeerAddress> peers, String clientId, boolean followLeader, long attemptTimeoutMs,
      long budgetMs, ClusterTls tls, Caller user) {
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("no metadata peers");
    }
    this.peers = List.copyOf(peers);
    this.clientId = clientId;
    this.followLeader = followLeader;
    this.attemptTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(attemptTimeoutMs);
    this.budgetNanos = TimeUnit.MILLISECONDS.toNanos(budgetMs);
    this.tls = tls;
    this.user = user;
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS);
    long tick = Math.max(50, attemptTimeoutMs / 4);
    loop.scheduleWithFixedDelay(this::checkTimeouts, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Sends a call; its response, or NOT_LEADER never: those are followed here until the budget ends. */
  /** The session this channel's calls carry (the client id the peers know it by). */
  public String session() {
    return clientId;
  }

  public CompletableFuture<MetaResponse> call(MetaRequest request, ReadMode mode) {
    long deadline = System.nanoTime() + budgetNanos;
    CompletableFuture<MetaResponse> result = new CompletableFuture<>();
    try {
      loop.execute(() -> {
        if (closed) {
          result.completeExceptionally(new IOException("metadata client closed"));
          return;
        }
        Outstanding o = new Outstanding(ClientCall.newBuilder().setCallId(nextCallId++).setClientId(clientId)
            .setRequest(request).setReadMode(mode).setClaimed(user).build(), result, deadline);
        if (outstanding.isEmpty()) {
          unreachableSinceNanos = 0; // a new period of trying: the last one may be long over
        }
        outstanding.put(o.call.getCallId(), o);
        send(o);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.completeExceptionally(new IOException("metadata client closed"));
    }
    return result;
  }

  // ------------------------------------------------------------------ on the event loop

  private void send(Outstanding o) {
    if (channel == null) {
      connect();
      return; // sent when connected
    }
    if (!channel.isActive()) {
      return; // connecting: sent when connected
    }
    long answeredBelow = outstanding.isEmpty() ? nextCallId : outstanding.firstKey();
    o.sentOn = channel;
    o.sentNanos = System.nanoTime();
    o.attempts++;
    channel.writeAndFlush(RpcFrames.encode(o.call.toBuilder().setAnsweredBelow(answeredBelow).build()));
  }

  private void connect() {
    PeerAddress peer = peers.get(target);
    ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        tls.secureClient(ch.pipeline(), peer.host(), peer.port());
        RpcFrames.install(ch.pipeline());
        ch.pipeline().addLast(new Replies());
      }
    }).connect(new InetSocketAddress(peer.host(), peer.port()));
    Channel ch = f.channel();
    channel = ch;
    f.addListener(done -> {
      if (channel != ch) {
        ch.close();
        return;
      }
      if (done.isSuccess()) {
        unreachableSinceNanos = 0;
        ch.closeFuture().addListener(x -> lost(ch, !outstanding.isEmpty()));
        outstanding.values().forEach(this::send);
      } else {
        LOG.debug("cannot reach metadata peer {}: {}", peer, done.cause().toString());
        if (unreachableSinceNanos == 0) {
          unreachableSinceNanos = System.nanoTime();
        }
        lost(ch, true);
      }
    });
  }

  /**
   * The connection ended. With calls waiting (the peer died, or never answered the connect) the
   * next peer gets every call after a pause; an idle connection the peer closed is simply opened
   * again to the same peer by the next call.
   */
  private void lost(Channel ch, boolean failed) {
    if (channel != ch || closed) {
      return;
    }
    channel = null;
    if (!failed) {
      return;
    }
    failures++;
    target = (target + 1) % peers.size();
    loop.schedule(this::reconnectIfIdle, pauseMs(), TimeUnit.MILLISECONDS);
  }

  private void reconnectIfIdle() {
    if (channel == null && !closed && !outstanding.isEmpty()) {
      connect();
    }
  }

  /** Moves to another peer (or reconnects to the same); calls in flight go again there. */
  private void switchTo(int peer) {
    target = peer;
    Channel old = channel;
    channel = null;
    if (old != null) {
      old.close();
    }
    connect();
  }

  private void answered(CallReply reply, Channel from) {
    Outstanding o = outstanding.get(reply.getCallId());
    if (o == null) {
      return; // an earlier attempt's answer came after a later one's
    }
    MetaResponse response = reply.getResponse();
    if (response.hasError() && response.getError().getCode() == ErrorCode.NOT_LEADER) {
      redirected(o, from, response.getError().getMessage());
      return;
    }
    failures = 0;
    outstanding.remove(reply.getCallId());
    replies.execute(() -> o.result.complete(response));
  }

  /**
   * NOT_LEADER: go where it points (empty: the next peer). The same peer (a leader not ready yet)
   * gets the call again after a pause that grows with its attempts; another peer gets every call,
   * at once unless the peers keep pointing around while nobody leads.
   */
  private void redirected(Outstanding o, Channel from, String message) {
    if (from != channel) {
      return; // already moved on: every call went again on the current connection
    }
    String hint = message.isEmpty() ? "" : message.split(" ", 2)[0];
    int peer = followLeader ? indexOf(hint) : target;
    if (peer < 0) {
      peer = (target + 1) % peers.size();
    }
    o.sentOn = null;
    if (peer == target) {
      loop.schedule(() -> {
        if (outstanding.get(o.call.getCallId()) == o && o.sentOn == null) {
          send(o);
        }
      }, Math.min(1000, 50L * o.attempts), TimeUnit.MILLISECONDS);
      return;
    }
    if (leaving == channel) {
      return; // a move off this connection is already scheduled
    }
    leaving = channel;
    failures++;
    int next = peer;
    Channel current = channel;
    loop.schedule(() -> {
      if (channel == current && !closed) {
        switchTo(next);
      }
    }, failures > peers.size() ? pauseMs() : 0, TimeUnit.MILLISECONDS);
  }

  private void checkTimeouts() {
    long now = System.nanoTime();
    boolean silentPeer = false;
    boolean unreachable = unreachableSinceNanos != 0
        && now - unreachableSinceNanos >= TimeUnit.MILLISECONDS.toNanos(UNREACHABLE_MS);
    for (var it = outstanding.values().iterator(); it.hasNext(); ) {
      Outstanding o = it.next();
      if (unreachable || now - o.deadlineNanos >= 0) {
        it.remove();
        IOException e = unreachable
            ? new IOException("no metadata peer reachable for " + UNREACHABLE_MS / 1000 + " s: " + peers)
            : new IOException("no metadata peer answered " + o.call.getRequest().getOpCase()
                + " within " + TimeUnit.NANOSECONDS.toSeconds(budgetNanos) + " s (tried " + o.attempts + " times)");
        replies.execute(() -> o.result.completeExceptionally(e));
      } else if (o.sentOn != null && o.sentOn == channel && now - o.sentNanos >= attemptTimeoutNanos) {
        if (o.attempts % 2 == 0) {
          silentPeer = true;
        } else {
          send(o);
        }
      }
    }
    if (silentPeer && channel != null) {
      failures++;
      switchTo((target + 1) % peers.size());
    }
  }

  private int indexOf(String peerId) {
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).id().equals(peerId)) {
        return i;
      }
    }
    return -1;
  }

  private long pauseMs() {
    return Math.min(1000, 50L * failures);
  }

  @Override
  public void close() {
    try {
      loop.submit(() -> {
        closed = true;
        IOException e = new IOException("metadata client closed");
        outstanding.values().forEach(o -> replies.execute(() -> o.result.completeExceptionally(e)));
        outstanding.clear();
        if (channel != null) {
          channel.close();
        }
      }).syncUninterruptibly();
    } catch (java.util.concurrent.RejectedExecutionException alreadyStopped) {
      // closed twice
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    replies.shutdown();
  }

  /** Replies of the current connection, on the event loop. */
  private final class Replies extends SimpleChannelInboundHandler<ByteBuf> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws IOException {
      answered(RpcFrames.decode(frame, CallReply.parser()), ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("metadata connection to {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
