package io.dfs.deploy.gateway;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.DfsInputStream;
import io.dfs.deploy.dashboard.DashboardApi;
import io.dfs.observability.MetricsRenderer;
import io.dfs.proto.Caller;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.stream.ChunkedStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP gateway over the client: the four original operations, a listing, the dashboard and
 * metrics. Request bodies are decoded into disk-backed parts (uploads never sit in the heap) and
 * downloads are streamed in chunks straight from the cluster. Runs on a blocking executor, not on
 * the event loop, because every operation waits on the cluster.
 */
final class GatewayHandler extends SimpleChannelInboundHandler<HttpObject> {
  /** Form fields and uploads over 16 KiB are spooled to temporary files. */
  private static final DefaultHttpDataFactory PARTS = new DefaultHttpDataFactory(DefaultHttpDataFactory.MINSIZE);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GatewayCallers callers;
  private final MetricRegistry metrics;
  private final MetricsRenderer renderer;
  private final DashboardApi dashboard;
  /** Largest request body; a bigger one is refused before it is spooled to disk (413). */
  private final long maxBodyBytes;
  private HttpRequest request;
  /** The file system as the current request's user sees it. */
  private DfsFileSystem fs;
  private HttpPostRequestDecoder body;
  private long bodyBytes;
  /** Why the current request is refused (set when it arrives), or null. */
  private Exception refused;

  GatewayHandler(GatewayCallers callers, MetricRegistry metrics, MetricsRenderer renderer, DashboardApi dashboard,
      long maxBodyBytes) {
    this.callers = callers;
    this.metrics = metrics;
    this.renderer = renderer;
    this.dashboard = dashboard;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
    if (msg instanceof HttpRequest r) {
      request = r;
      bodyBytes = 0;
      Optional<Caller> caller;
      try {
        caller = callers.callerOf(r);
      } catch (IOException e) {
        refuse(ctx, e); // the users file cannot be read: the gateway's fault, 500
        return;
      }
      fs = caller.map(callers::fileSystemOf).orElse(null);
      refused = RequestChecks.refusal(r, caller.isPresent());
      if (refused == null && HttpUtil.getContentLength(r, -1L) > maxBodyBytes) {
        refuse(ctx, tooLarge());
        return;
      }
      body = refused == null && r.method() == HttpMethod.POST ? new HttpPostRequestDecoder(PARTS, r) : null;
    }
    if (msg instanceof HttpContent content && body != null) {
      bodyBytes += content.content().readableBytes();
      if (bodyBytes > maxBodyBytes) {
        refuse(ctx, tooLarge()); // a chunked body without a length, past the limit
        return;
      }
      body.offer(content);
    }
    if (msg instanceof LastHttpContent && request != null) {
      try {
        if (refused != null) {
          refuse(ctx, refused);
        } else {
          handle(ctx);
        }
      } finally {
        destroyBody();
      }
    }
  }

  private Exception tooLarge() {
    return new HttpErrors.TooLargeException("request body over the gateway's limit of " + maxBodyBytes
        + " bytes (dfs.gateway.upload.max.bytes)");
  }

  /**
   * The one answer to a refused request. Every answer closes the connection, so a body still on
   * its way is never read, let alone spooled.
   */
  private void refuse(ChannelHandlerContext ctx, Exception why) {
    metrics.counter("http.refused").inc();
    destroyBody();
    request = null;
    json(ctx, HttpErrors.statusOf(why), Map.of("error", why.getMessage()));
  }

  private void destroyBody() {
    if (body != null) {
      body.destroy();
      body = null;
    }
  }

  private void handle(ChannelHandlerContext ctx) {
    String path = new QueryStringDecoder(request.uri()).path();
    metrics.meter("http.requests").mark();
    try {
      Map<String, String> params = params();
      switch (path) {
        case "/create_directory" -> {
          FileStatus st = fs.mkdir(GatewayPaths.absolute(required(params, "directory_name")));
          json(ctx, HttpResponseStatus.CREATED, Map.of("created", st.getPath()));
        }
        case "/delete_directory" -> {
          String dir = GatewayPaths.absolute(required(params, "directory_name"));
          if (fs.stat(dir).getType() != FileType.DIRECTORY) {
            throw new HttpErrors.BadRequestException("not a directory: " + dir);
          }
          fs.delete(dir, Boolean.parseBoolean(params.getOrDefault("recursive", "false")));
          json(ctx, HttpResponseStatus.OK, Map.of("deleted", dir));
        }
        case "/upload_file" -> upload(ctx, params);
        case "/download_file" -> download(ctx, GatewayPaths.absolute(required(params, "file_name")));
        case "/list" -> json(ctx, HttpResponseStatus.OK,
            fs.list(GatewayPaths.absolute(params.getOrDefault("path", "/"))).stream().map(GatewayHandler::entry).toList());
        case "/api/cluster" -> bytes(ctx, HttpResponseStatus.OK, "application/json", dashboard.json());
        case "/api/latency" -> bytes(ctx, HttpResponseStatus.OK, "application/json", dashboard.latencyJson());
        case "/metrics" -> bytes(ctx, HttpResponseStatus.OK, "application/json", renderer.json());
        case "/metrics/prometheus" -> bytes(ctx, HttpResponseStatus.OK, MetricsRenderer.PROMETHEUS_CONTENT_TYPE,
            renderer.prometheusText());
        default -> {
          if (params.containsKey("token")) {
            logIn(ctx, path, params.get("token"));
          } else {
            staticFile(ctx, path);
          }
        }
      }
    } catch (Exception e) {
      metrics.counter("http.errors").inc();
      json(ctx, HttpErrors.statusOf(e), Map.of("error", String.valueOf(e.getMessage())));
    }
  }

  private void upload(ChannelHandlerContext ctx, Map<String, String> params) throws Exception {
    FileUpload file = body == null ? null : (FileUpload) body.getBodyHttpDatas().stream()
        .filter(d -> d.getHttpDataType() == InterfaceHttpData.HttpDataType.FileUpload && d.getName().equals("file"))
        .findFirst().orElse(null);
    if (file == null) {
      throw new HttpErrors.BadRequestException("missing multipart field 'file'");
    }
    String name = file.getFilename();
    if (name == null || name.isBlank()) {
      throw new HttpErrors.BadRequestException("the uploaded file has no name");
    }
    String target = params.containsKey("path") ? GatewayPaths.absolute(params.get("path")) : GatewayPaths.absolute(name);
    if (params.containsKey("path") && fs.exists(target) && fs.stat(target).getType() == FileType.DIRECTORY) {
      target = GatewayPaths.child(target, name);
    }
    long size = file.length();
    try (InputStream in = file.isInMemory() ? new java.io.ByteArrayInputStream(file.get())
            : Files.newInputStream(file.getFile().toPath());
         OutputStream out = fs.create(target, CreateOptions.defaults().withOverwrite(
             Boolean.parseBoolean(params.getOrDefault("overwrite", "true"))))) {
      in.transferTo(out);
    }
    metrics.meter("http.upload.bytes").mark(size);
    json(ctx, HttpResponseStatus.CREATED, Map.of("uploaded", target, "bytes", size));
  }

  private void download(ChannelHandlerContext ctx, String file) throws IOException {
    DfsInputStream in = fs.open(file);
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
    head.headers().set(HttpHeaderNames.CONTENT_DISPOSITION,
        "attachment; filename=\"" + file.substring(file.lastIndexOf('/') + 1).replace("\"", "") + "\"");
    HttpUtil.setContentLength(head, in.length());
    head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.write(head);
    metrics.meter("http.download.bytes").mark(in.length());
    ctx.writeAndFlush(new HttpChunkedInput(new ChunkedStream(in, 1 << 20)))
        .addListener(f -> in.close())
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * A browser opening the dashboard's address with {@code ?token=}: the token goes into an
   * HttpOnly, same-site-only cookie and the browser to the address without it (out of its history).
   */
  private void logIn(ChannelHandlerContext ctx, String path, String candidate) throws Exception {
    if (callers.callerOf(candidate).isEmpty()) {
      throw new HttpErrors.UnauthorizedException("not a token of this gateway");
    }
    DefaultCookie cookie = new DefaultCookie(GatewayToken.COOKIE, candidate);
    cookie.setHttpOnly(true);
    cookie.setPath("/");
    cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
    DefaultHttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.LOCATION, path);
    headers.set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie));
    bytes(ctx, HttpResponseStatus.SEE_OTHER, "text/plain", new byte[0], headers);
  }

  private void staticFile(ChannelHandlerContext ctx, String path) throws Exception {
    String name = path.equals("/") ? "index.html" : path.substring(1);
    if (name.contains("..") || name.contains("/")) {
      throw new HttpErrors.BadRequestException("bad path");
    }
    try (InputStream in = GatewayHandler.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        bytes(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", ("no such page: " + path).getBytes(StandardCharsets.UTF_8));
        return;
      }
      String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
      bytes(ctx, HttpResponseStatus.OK, type + "; charset=utf-8", in.readAllBytes());
    }
  }

  /** Query parameters and form fields (urlencoded or multipart) in one map. */
  private Map<String, String> params() throws IOException {
    Map<String, String> out = new HashMap<>();
    new QueryStringDecoder(request.uri()).parameters().forEach((k, v) -> out.put(k, v.get(0)));
    if (body != null) {
      for (InterfaceHttpData d : body.getBodyHttpDatas()) {
        if (d instanceof Attribute a) {
          out.put(a.getName(), a.getValue());
        }
      }
    }
    return out;
  }

  private static String required(Map<String, String> params, String name) throws HttpErrors.BadRequestException {
    String v = params.get(name);
    if (v == null || v.isBlank()) {
      throw new HttpErrors.BadRequestException("missing parameter '" + name + "'");
    }
    return v;
  }

  private static Map<String, Object> entry(FileStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", s.getPath());
    m.put("type", switch (s.getType()) {
      case DIRECTORY -> "directory";
      case SYMLINK -> "symlink";
      case FIFO -> "fifo";
      case SOCKET -> "socket";
      case CHARACTER_DEVICE -> "character device";
      case BLOCK_DEVICE -> "block device";
      default -> "file";
    });
    if (s.getType() == FileType.SYMLINK) {
      m.put("target", s.getSymlinkTarget());
    }
    m.put("size", s.getLength());
    m.put("mtime_ms", s.getMtimeMs());
    return m;
  }

  private static void json(ChannelHandlerContext ctx, HttpResponseStatus status, Object value) {
    try {
      bytes(ctx, status, "application/json", JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      ctx.close();
    }
  }

  private static void bytes(ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] content) {
    bytes(ctx, status, type, content, EmptyHttpHeaders.INSTANCE);
  }

  /** Every answer of the gateway but a download's is built here. */
  private static void bytes(ChannelHandlerContext ctx, HttpResponseStatus status, String type, byte[] content,
      HttpHeaders extra) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(content));
    r.headers().set(extra);
    if (status.equals(HttpResponseStatus.UNAUTHORIZED)) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"dfs gateway\"");
    }
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    // one request per connection: the client must not reuse a socket the gateway is closing
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(r, content.length);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    destroyBody();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    json(ctx, HttpResponseStatus.BAD_REQUEST, Map.of("error", String.valueOf(cause.getMessage())));
  }

  static List<String> routes() {
    return List.of("/create_directory", "/delete_directory", "/upload_file", "/download_file", "/list",
        "/api/cluster", "/api/latency", "/metrics", "/metrics/prometheus", "/");
  }
}
