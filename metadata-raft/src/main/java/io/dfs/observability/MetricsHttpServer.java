package io.dfs.observability;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.tls.ClusterTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every dfs process's metrics over HTTP: {@code /metrics} as Dropwizard JSON and
 * {@code /metrics/prometheus} in the Prometheus text format. JVM gauges are added to the registry.
 * Further small GET routes (status pages) can be added with {@link #route}.
 *
 * <p>When the cluster runs with TLS the endpoint speaks HTTPS and, like every other port, answers
 * only a client with a certificate of the cluster (a scraper gets one with {@code dfs security
 * issue prometheus --role client}): what the metrics reveal (paths' op rates, client ids, node
 * load) is for the cluster's operators.
 */
public final class MetricsHttpServer implements Closeable {
  private final MetricRegistry registry;
  private final Map<String, HttpRoute> routes = new ConcurrentHashMap<>();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel channel;

  /** A connection that sends nothing this long is closed: a scraper asks and goes. */
  static final long IDLE_TIMEOUT_MS = 30_000;

  private MetricsHttpServer(MetricRegistry registry, String host, int port, ClusterTls tls, long idleTimeoutMs)
      throws InterruptedException {
    this.registry = registry;
    MetricsRenderer renderer = new MetricsRenderer(registry);
    routes.put("/metrics", r -> ok("application/json", renderer.json()));
    routes.put("/metrics/prometheus", r -> ok(MetricsRenderer.PROMETHEUS_CONTENT_TYPE, renderer.prometheusText()));
    this.channel = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new IdleStateHandler(idleTimeoutMs, 0, 0, TimeUnit.MILLISECONDS) {
              @Override
              protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent e) {
                ctx.close();
              }
            });
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Router());
            tls.secureServer(ch.pipeline());
          }
        })
        .bind(host, port).sync().channel();
  }

  /** {@code tls}: the process's own identity (HTTPS for cluster members only), or plaintext. */
  public static MetricsHttpServer start(MetricRegistry registry, String host, int port, ClusterTls tls)
      throws InterruptedException {
    return new MetricsHttpServer(registry, host, port, tls, IDLE_TIMEOUT_MS);
  }

  static MetricsHttpServer start(MetricRegistry registry, String host, int port, ClusterTls tls, long idleTimeoutMs)
      throws InterruptedException {
    return new MetricsHttpServer(registry, host, port, tls, idleTimeoutMs);
  }

  /**
   * Serves on {@code host} (the process's own address in the cluster config, not every interface)
   * when {@code portKey} names a port.
   */
  public static Optional<MetricsHttpServer> startIfConfigured(ClusterConfig config, String portKey, String host,
      MetricRegistry registry, ClusterTls tls) throws InterruptedException {
    Optional<String> port = config.get(portKey);
    if (port.isEmpty() || Integer.parseInt(port.get()) <= 0) {
      return Optional.empty();
    }
    return Optional.of(start(registry, host, Integer.parseInt(port.get()), tls));
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public void route(String path, HttpRoute route) {
    routes.put(path, route);
  }

  public MetricRegistry registry() {
    return registry;
  }

  public static FullHttpResponse ok(String contentType, byte[] body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CONNECTION, "close");
    return r;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String path = new QueryStringDecoder(request.uri()).path();
      HttpRoute route = routes.get(path);
      FullHttpResponse response;
      try {
        response = route == null
            ? status(HttpResponseStatus.NOT_FOUND, "no such path: " + path)
            : route.handle(request);
      } catch (Exception e) {
        response = status(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.toString());
      }
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private FullHttpResponse status(HttpResponseStatus status, String text) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      return r;
    }
  }
}
