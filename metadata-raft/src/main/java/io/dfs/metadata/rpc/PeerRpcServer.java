package io.dfs.metadata.rpc;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.metadata.RpcFrames;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.metadata.blocktokens.BlockTokenIssuer;
import io.dfs.metadata.locks.LockWaits;
import io.dfs.metadata.nodeprotocol.NodeProtocol;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.proto.CallReply;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A metadata peer's RPC port (Netty): clients' namespace calls and the storage nodes' protocol,
 * many calls in flight per connection, each answered when ready (see {@link CallRouter}).
 */
public final class PeerRpcServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerRpcServer.class);
  /** Clients and nodes call at least every few seconds (lease renewals, heartbeats); silence means gone. */
  static final int IDLE_SECONDS = 120;

  private final EventLoopGroup loops;
  private final ExecutorService reads;
  private final ExecutorService nodeWork;
  private final LockWaits lockWaits;
  private final Channel channel;

  private PeerRpcServer(EventLoopGroup loops, ExecutorService reads, ExecutorService nodeWork, LockWaits lockWaits,
      Channel channel) {
    this.loops = loops;
    this.lockWaits = lockWaits;
    this.reads = reads;
    this.nodeWork = nodeWork;
    this.channel = channel;
  }

  /** What the port serves: this peer's Raft server, its leadership, state machine and block service. */
  public record Peer(String selfId, RaftGroupId group, Supplier<RaftServer> server, BooleanSupplier isLeader,
      Supplier<String> leaderId, Function<MetaRequest, MetaResponse> query, NodeProtocol nodes,
      BlockTokenIssuer tokens, ClusterTls tls, CallerIdentity callers, MetricRegistry metrics) {}

  public static PeerRpcServer start(String host, int port, Peer peer) throws IOException {
    LocalRaft raft = new LocalRaft(peer.server(), peer.selfId(), peer.group());
    LeaderWriteBatcher writes = new LeaderWriteBatcher(raft::write, peer.metrics());
    ExecutorService reads = Executors.newFixedThreadPool(2, daemon("rpc-reads-" + peer.selfId()));
    ExecutorService nodeWork = Executors.newSingleThreadExecutor(daemon("rpc-nodes-" + peer.selfId()));
    LockWaits lockWaits = new LockWaits(peer.query(), peer.selfId(), peer.metrics());
    CallRouter router = new CallRouter(peer.isLeader(), peer.leaderId(), writes, lockWaits, raft, peer.query(),
        peer.nodes(), peer.tokens(), reads, nodeWork);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            peer.tls().secureServer(ch.pipeline());
            ch.pipeline().addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS) {
              @Override
              protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent e) {
                ctx.close();
              }
            });
            RpcFrames.install(ch.pipeline());
            ch.pipeline().addLast(new Calls(router, peer.tls().enabled(), peer.callers()));
          }
        });
    try {
      Channel ch = b.bind(new InetSocketAddress(host, port)).sync().channel();
      LOG.info("peer {} serves calls on {}:{}", peer.selfId(), host, port);
      return new PeerRpcServer(loops, reads, nodeWork, lockWaits, ch);
    } catch (Exception e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      reads.shutdownNow();
      nodeWork.shutdownNow();
      lockWaits.close();
      throw new IOException("cannot serve calls on " + host + ":" + port, e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    reads.shutdownNow();
    nodeWork.shutdownNow();
    lockWaits.close();
  }

  /**
   * Each call is routed on arrival and answered on its connection when its result is ready. With
   * TLS, the identity the connection's certificate proves is held to what it may call first.
   */
  private static final class Calls extends SimpleChannelInboundHandler<ByteBuf> {
    private final CallRouter router;
    private final boolean checkCallers;
    private final CallerIdentity callers;
    private ServiceIdentity caller; // the connection's, known once its handshake is done

    Calls(CallRouter router, boolean checkCallers, CallerIdentity callers) {
      this.router = router;
      this.checkCallers = checkCallers;
      this.callers = callers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws IOException {
      ClientCall received = RpcFrames.decode(frame, ClientCall.parser());
      Optional<String> refused = Optional.empty();
      if (checkCallers) {
        if (caller == null) {
          caller = ClusterTls.peerOf(ctx.channel()).orElse(null);
        }
        refused = caller == null ? Optional.of("the certificate names no identity of this cluster")
            : CallerCheck.refusal(received.getRequest(), caller);
      }
      if (refused.isPresent()) {
        LOG.warn("refused {} from {} ({}): {}", received.getRequest().getOpCase(), ctx.channel().remoteAddress(),
            caller, refused.get());
      }
      ClientCall call = callers.stamp(received, caller);
      CompletableFuture<MetaResponse> answered = refused.isPresent()
          ? CompletableFuture.completedFuture(NamespaceStateMachine.error(ErrorCode.PERMISSION_DENIED, refused.get()))
          : router.route(call);
      answered.whenComplete((response, failure) -> {
        MetaResponse answer = failure == null ? response
            : NamespaceStateMachine.error(ErrorCode.INTERNAL, failure.toString());
        ctx.writeAndFlush(RpcFrames.encode(CallReply.newBuilder().setCallId(call.getCallId())
            .setResponse(answer).build()));
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("call connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}
