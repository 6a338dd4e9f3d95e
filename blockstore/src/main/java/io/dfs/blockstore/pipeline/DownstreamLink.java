package io.dfs.blockstore.pipeline;

import io.dfs.client.tls.ClusterTls;
import io.dfs.client.transfer.TransferFrame;
import io.dfs.client.transfer.TransferFrameDecoder;
import io.dfs.client.transfer.TransferFrameEncoder;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.TransferHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.function.Consumer;

/**
 * The connection from one pipeline node to the next. Its events go to the current
 * {@link Listener}: the pipeline using it, or, while it waits in the {@link DownstreamPool} for
 * the next block to the same node, the pool. Backpressure: while more than {@link #HIGH_WATER}
 * bytes wait to go downstream, the upstream connection stops reading ({@code onWritable(false)}),
 * so a slow next node slows the writer instead of filling this node's memory.
 */
final class DownstreamLink {
  static final int CONNECT_TIMEOUT_MS = 5_000;
  static final int LOW_WATER = 1 << 20;
  static final int HIGH_WATER = 4 << 20;

  /** Where a link's events go. */
  interface Listener {
    /** A frame from the next node; the listener releases it. */
    void onFrame(TransferFrame frame);

    void onClosed();

    void onWritable(boolean writable);
  }

  /** The channel handler: forwards to whichever listener the link has now. */
  private static final class Relay extends SimpleChannelInboundHandler<TransferFrame> {
    private volatile Listener listener;

    Relay(Listener listener) {
      super(false);
      this.listener = listener;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TransferFrame frame) {
      listener.onFrame(frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      listener.onClosed();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      listener.onWritable(ctx.channel().isWritable());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private final Channel channel;
  private final Relay relay;
  private final NodeInfo next;
  private volatile long idleSinceMs;

  private DownstreamLink(Channel channel, Relay relay, NodeInfo next) {
    this.channel = channel;
    this.relay = relay;
    this.next = next;
  }

  /** Connects asynchronously; {@code onConnected} gets the link or null when the node is unreachable. */
  static void connect(EventLoopGroup group, ClusterTls tls, NodeInfo next, Listener listener,
      Consumer<DownstreamLink> onConnected) {
    Relay relay = new Relay(listener);
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
        .option(ChannelOption.SO_SNDBUF, 1 << 20)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW_WATER, HIGH_WATER))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            tls.secureClient(ch.pipeline(), next.getHost(), next.getDataPort());
            ch.pipeline().addLast(new TransferFrameDecoder(), new TransferFrameEncoder(), relay);
          }
        })
        .connect(next.getHost(), next.getDataPort())
        .addListener(f -> onConnected.accept(f.isSuccess()
            ? new DownstreamLink(((ChannelFuture) f).channel(), relay, next) : null));
  }

  /** From now on the link's events go to {@code listener}. */
  void rebind(Listener listener) {
    relay.listener = listener;
  }

  NodeInfo next() {
    return next;
  }

  boolean isOpen() {
    return channel.isActive();
  }

  long idleSinceMs() {
    return idleSinceMs;
  }

  void markIdle() {
    idleSinceMs = System.currentTimeMillis();
  }

  void send(TransferFrame frame) {
    channel.writeAndFlush(frame);
  }

  void send(TransferHeader header) {
    send(TransferFrame.of(header));
  }

  void close() {
    channel.close();
  }
}
