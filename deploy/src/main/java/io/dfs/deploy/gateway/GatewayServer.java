package io.dfs.deploy.gateway;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.tls.ClusterTls;
import io.dfs.deploy.dashboard.DashboardApi;
import io.dfs.metadata.security.ClusterCertificates;
import io.dfs.observability.MetricsRenderer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The HTTP gateway and dashboard process. */
@Command(name = "dfs gateway", mixinStandardHelpOptions = true,
    description = "Serve the HTTP gateway (create/delete directory, upload/download file) and the dashboard.")
public final class GatewayServer implements Closeable, Callable<Integer> {
  /** Largest request body (an upload); default 16 GiB. */
  public static final String UPLOAD_MAX_BYTES = "dfs.gateway.upload.max.bytes";
  /** A connection silent both ways this long is closed; default 2 minutes. */
  public static final String IDLE_TIMEOUT_MS = "dfs.gateway.idle.timeout.ms";

  @Option(names = "--config", required = true, description = "cluster.properties")
  private Path configFile;

  @Option(names = "--port", description = "listen port (default: dfs.gateway.port, else 9800)")
  private Integer portOption;

  private final MetricRegistry metrics = new MetricRegistry();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
  private final EventExecutorGroup blocking = new DefaultEventExecutorGroup(16);
  private DfsClient client;
  private GatewayCallers callers;
  private Channel channel;
  private GatewayToken token;
  private boolean https;

  public GatewayServer() {}

  public static GatewayServer start(ClusterConfig config, String host, int port)
      throws InterruptedException, IOException {
    GatewayServer g = new GatewayServer();
    g.startServer(config, host, port);
    return g;
  }

  private void startServer(ClusterConfig config, String host, int port) throws InterruptedException, IOException {
    token = GatewayToken.from(config);
    SslContext tls = httpsContext(config);
    https = tls != null;
    client = new DfsClient(config, "gateway-" + ProcessHandle.current().pid());
    callers = new GatewayCallers(config, token,
        new GatewayUsers(config.get(GatewayUsers.FILE).map(Path::of).orElse(null)), client);
    metrics.register("", client.metadata().metrics());
    MetricsRenderer renderer = new MetricsRenderer(metrics);
    Map<String, String> mounts = config.get("dfs.mount.http.port")
        .map(mountPort -> Map.of("mount", "127.0.0.1:" + mountPort)).orElse(Map.of());
    DashboardApi dashboard = new DashboardApi(client, metrics, renderer, mounts, client.metadata().tls());
    long maxBodyBytes = Long.parseLong(config.get(UPLOAD_MAX_BYTES).orElse(Long.toString(16L << 30)));
    long idleTimeoutMs = Long.parseLong(config.get(IDLE_TIMEOUT_MS).orElse("120000"));
    channel = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            }
            // a connection that neither sends nor takes a byte for the idle timeout is closed: a slow
            // or vanished client cannot hold a connection, a spooled upload or a download open forever
            ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeoutMs, TimeUnit.MILLISECONDS),
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                    if (event instanceof IdleStateEvent) {
                      metrics.counter("http.idle_closed").inc();
                      ctx.close();
                    } else {
                      super.userEventTriggered(ctx, event);
                    }
                  }
                });
            ch.pipeline().addLast(new HttpServerCodec(), new ChunkedWriteHandler());
            ch.pipeline().addLast(blocking, new GatewayHandler(callers, metrics, renderer, dashboard, maxBodyBytes));
          }
        })
        .bind(host, port).sync().channel();
  }

  /**
   * HTTPS with the certificate {@code gateway} ({@code dfs security init} issues it) when
   * {@code dfs.gateway.https} is true; null for plain HTTP.
   */
  private static SslContext httpsContext(ClusterConfig config) throws IOException {
    if (!ClusterCertificates.gatewayHttps(config)) {
      return null;
    }
    Path dir = config.get(ClusterTls.DIR).filter(d -> !d.isBlank()).map(Path::of).orElseThrow(() -> new IOException(
        ClusterCertificates.GATEWAY_HTTPS + " needs the cluster's certificates: set " + ClusterTls.DIR));
    return ClusterTls.publicServer(dir, ClusterCertificates.GATEWAY_IDENTITY);
  }

  /** Where the gateway is: http or https, the host, the port. */
  public String url(String host) {
    return (https ? "https" : "http") + "://" + host + ":" + port() + "/";
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** What a request must carry (Authorization: Bearer), and a browser once in ?token= to get its cookie. */
  public String token() {
    return token.value();
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  /** The client the gateway serves requests with. */
  public DfsClient client() {
    return client;
  }

  @Override
  public void close() throws IOException {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    blocking.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    callers.close();
    client.close();
  }

  @Override
  public Integer call() throws Exception {
    ClusterConfig config = ClusterConfig.load(configFile);
    int port = portOption != null ? portOption : Integer.parseInt(config.get("dfs.gateway.port").orElse("9800"));
    // loopback unless configured: without dfs.gateway.https tokens travel in clear text
    String host = config.get("dfs.gateway.host").orElse("127.0.0.1");
    startServer(config, host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close();
      } catch (IOException ignored) {
        // exiting
      }
    }, "gateway-shutdown"));
    System.out.println("gateway and dashboard on " + url(host));
    System.out.println(config.get(GatewayToken.FILE).map(f -> "its token is in " + f)
        .orElse("its token (" + GatewayToken.FILE + " is not set; a new one each start): " + token.value()));
    Thread.currentThread().join();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new GatewayServer()).execute(args));
  }
}
