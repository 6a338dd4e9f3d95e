package io.dfs.metadata.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blocking client's TLS connection (what block transfers use) against a real Netty TLS server:
 * it carries bytes both ways, and when the server goes away mid-write the writer gets an error
 * rather than spinning or hanging, whichever way it goes.
 */
class TlsConnectionTest {
  @TempDir Path dir;
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private ClusterTls server;
  private ClusterTls client;

  @BeforeEach
  void certificates() throws Exception {
    CertificateAuthority ca = CertificateAuthority.openOrCreate(dir);
    ca.issue(new ServiceIdentity("s1", ServiceIdentity.Role.NODE), List.of("127.0.0.1"));
    ca.issue(new ServiceIdentity("client", ServiceIdentity.Role.CLIENT), List.of());
    server = ClusterTls.load(dir, "s1");
    client = ClusterTls.load(dir, "client");
  }

  @AfterEach
  void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** A TLS server whose connections do {@code behaviour} once their handshake is done. */
  private int serve(ChannelInboundHandlerAdapter behaviour) throws InterruptedException {
    Channel ch = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.SO_RCVBUF, 64 << 10)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            server.secureServer(c.pipeline());
            c.pipeline().addLast(behaviour);
          }
        }).bind("127.0.0.1", 0).sync().channel();
    return ((InetSocketAddress) ch.localAddress()).getPort();
  }

  private ClusterTls.Connection connect(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(30_000);
    return client.secure(s, "127.0.0.1", port);
  }

  @Test
  void bytesGoBothWaysAndTheServerKnowsWhoConnected() throws Exception {
    CompletableFuture<String> who = new CompletableFuture<>();
    int port = serve(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        who.complete(ClusterTls.peerOf(ctx.channel()).map(ServiceIdentity::name).orElse("?"));
        ctx.writeAndFlush(msg); // echo
      }

      @Override
      public boolean isSharable() {
        return true;
      }
    });
    try (ClusterTls.Connection c = connect(port)) {
      byte[] data = new byte[300_000];
      new java.util.Random(5).nextBytes(data);
      CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
        try {
          return c.in().readNBytes(data.length);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      c.out().write(data);
      c.out().flush();
      assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(data);
      assertThat(who.get(5, TimeUnit.SECONDS)).isEqualTo("client");
    }
  }

  @Test
  void aWriterWhoseServerClosedTheConnectionGetsAnErrorNotASpin() throws Exception {
    int port = serve(new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent) {
          ctx.close(); // close_notify, then gone
        }
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }

      @Override
      public boolean isSharable() {
        return true;
      }
    });
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (ClusterTls.Connection c = connect(port)) {
        assertThat(c.in().read()).as("the server's close_notify").isEqualTo(-1);
        assertThatThrownBy(() -> {
          byte[] chunk = new byte[1 << 16];
          while (true) {
            c.out().write(chunk);
            c.out().flush();
          }
        }).isInstanceOf(IOException.class);
      }
    });
  }

  @Test
  void closingFreesAWriterBlockedOnAServerThatStoppedReading() throws Exception {
    int port = serve(new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent) {
          ctx.channel().config().setAutoRead(false); // the other end hangs
        }
      }

      @Override
      public boolean isSharable() {
        return true;
      }
    });
    ClusterTls.Connection c = connect(port);
    CompletableFuture<Throwable> writer = CompletableFuture.supplyAsync(() -> {
      try {
        byte[] chunk = new byte[1 << 16];
        while (true) {
          c.out().write(chunk);
          c.out().flush();
        }
      } catch (IOException e) {
        return e;
      }
    });
    Thread.sleep(1500); // the socket's buffers are full by now: the writer is blocked in a write
    assertThat(writer).isNotDone();
    assertTimeoutPreemptively(Duration.ofSeconds(10), c::close);
    assertThat(writer.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
  }
}
