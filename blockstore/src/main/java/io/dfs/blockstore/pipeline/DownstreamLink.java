package io.dfs.blockstore.pipeline;

import io.dfs.client.transfer.TransferFrame;
import io.dfs.client.transfer.TransferFrameDecoder;
import io.dfs.client.transfer.TransferFrameEncoder;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.TransferHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
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
 * The connection from one pipeline node to the next; frames coming back go to {@code onFrame}.
 * Backpressure: while more than {@link #HIGH_WATER} bytes wait to go downstream, the upstream
 * connection stops reading ({@code onWritable(false)}), so a slow next node slows the writer
 * instead of filling this node's memory.
 */
final class DownstreamLink {
  static final int CONNECT_TIMEOUT_MS = 5_000;
  static final int LOW_WATER = 1 << 20;
  static final int HIGH_WATER = 4 << 20;

  private final Channel channel;

  private DownstreamLink(Channel channel) {
    this.channel = channel;
  }

  /** Connects asynchronously; {@code onConnected} gets the link or null when the node is unreachable. */
  static void connect(EventLoopGroup group, NodeInfo next, Consumer<TransferFrame> onFrame, Runnable onClosed,
      Consumer<Boolean> onWritable, Consumer<DownstreamLink> onConnected) {
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
            ch.pipeline().addLast(new TransferFrameDecoder(), new TransferFrameEncoder(),
                new SimpleChannelInboundHandler<TransferFrame>(false) {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TransferFrame frame) {
                    onFrame.accept(frame);
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    onClosed.run();
                  }

                  @Override
                  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    onWritable.accept(ctx.channel().isWritable());
                  }

                  @Override
                  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close();
                  }
                });
          }
        })
        .connect(next.getHost(), next.getDataPort())
        .addListener(f -> onConnected.accept(f.isSuccess() ? new DownstreamLink(((io.netty.channel.ChannelFuture) f).channel()) : null));
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
