package io.dfs.metadata.nodeprotocol;

import io.dfs.metadata.blocks.BlockManager;
import io.dfs.proto.Error;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage-node protocol endpoint of a metadata peer, next to its Raft port: each frame is a
 * 4-byte length and one {@link MetaRequest}, answered by one {@link MetaResponse} in order. Only
 * the leader answers; a follower replies NOT_LEADER naming the leader it knows, so nodes follow
 * leadership without ever going through the Raft log or the state machine.
 */
public final class NodeProtocolServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeProtocolServer.class);
  /** A full block report of a million replicas fits. */
  static final int MAX_FRAME = 64 << 20;
  /** A node heartbeats every second or so; a silent connection is a node that went away. */
  static final int IDLE_SECONDS = 120;

  private final EventLoopGroup loops;
  private final EventExecutorGroup handlers;
  private final Channel channel;

  private NodeProtocolServer(EventLoopGroup loops, EventExecutorGroup handlers, Channel channel) {
    this.loops = loops;
    this.handlers = handlers;
    this.channel = channel;
  }

  /**
   * @param leader the leader's id as this peer knows it (empty when unknown); this peer answers
   *     only while it is the leader
   */
  public static NodeProtocolServer start(String host, int port, String selfId, Supplier<String> leader,
      BlockManager blocks) throws IOException {
    NodeProtocol protocol = new NodeProtocol(blocks);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    // requests wait on the block service's monitor: keep them off the I/O thread
    EventExecutorGroup handlers = new DefaultEventExecutorGroup(1);
    ServerBootstrap b = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS) {
                  @Override
                  protected void channelIdle(ChannelHandlerContext ctx, io.netty.handler.timeout.IdleStateEvent e) {
                    ctx.close();
                  }
                })
                .addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4))
                .addLast(new LengthFieldPrepender(4))
                .addLast(handlers, new Handler(protocol, selfId, leader));
          }
        });
    try {
      Channel ch = b.bind(new InetSocketAddress(host, port)).sync().channel();
      LOG.info("peer {} serves the node protocol on {}:{}", selfId, host, port);
      return new NodeProtocolServer(loops, handlers, ch);
    } catch (Exception e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      handlers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new IOException("cannot serve the node protocol on " + host + ":" + port, e);
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    handlers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One request frame in, one response frame out. */
  private static final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
    private final NodeProtocol protocol;
    private final String selfId;
    private final Supplier<String> leader;

    Handler(NodeProtocol protocol, String selfId, Supplier<String> leader) {
      this.protocol = protocol;
      this.selfId = selfId;
      this.leader = leader;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws IOException {
      MetaRequest request = MetaRequest.parseFrom(new ByteBufInputStream(frame));
      String leaderId = leader.get();
      MetaResponse response = selfId.equals(leaderId)
          ? protocol.handle(request)
          : MetaResponse.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.NOT_LEADER)
              .setMessage(leaderId)).build();
      ctx.writeAndFlush(Unpooled.wrappedBuffer(response.toByteArray()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("node protocol connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
