package io.dfs.blockstore.transfer;

import io.dfs.client.transfer.TransferFrameDecoder;
import io.dfs.client.transfer.TransferFrameEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The storage node's block transfer endpoint. Network I/O runs on the event loops; the handlers,
 * which touch the disk, run on a separate executor group so a slow fsync never stalls the network.
 * A connection that sends nothing for the idle timeout is closed: a client that went away (or
 * never meant to send) holds no socket, handler or unfinished replica for long.
 */
public final class TransferServer implements Closeable {
  /** Cluster config key: how long a silent transfer connection stays open (ms). */
  public static final String IDLE_TIMEOUT = "dfs.storage.idle.timeout.ms";
  /**
   * Longer than any pause of a live peer: nodes keep idle pipeline links 30 s at most
   * (DownstreamPool), and a reader or writer between calls is rarely silent for minutes; one that
   * is finds its connection closed and reconnects (a writer through pipeline recovery).
   */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 600_000;

  private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
  private final EventExecutorGroup diskExecutors = new DefaultEventExecutorGroup(16);
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Channel channel;

  public TransferServer(String host, int port, long idleTimeoutMs,
      java.util.function.Function<EventLoopGroup, NodeServices> services) throws InterruptedException {
    NodeServices node = services.apply(workers);
    this.channel = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_RCVBUF, 1 << 20)
        .childOption(ChannelOption.SO_SNDBUF, 1 << 20)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            open.add(ch);
            node.metrics().counter("transfer.connections_accepted").inc();
            node.tls().secureServer(ch.pipeline());
            ch.pipeline().addLast(new IdleStateHandler(idleTimeoutMs, 0, 0, TimeUnit.MILLISECONDS) {
              @Override
              protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent e) {
                ctx.close();
              }
            });
            ch.pipeline().addLast(new TransferFrameDecoder(), new TransferFrameEncoder());
            ch.pipeline().addLast(diskExecutors, new TransferHandler(node));
          }
        })
        .bind(host, port).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Stops at once: open transfers are cut, as when a node dies. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    open.close().awaitUninterruptibly();
    boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    diskExecutors.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
