package io.dfs.deploy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.metadata.testing.DeadlockCheck;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway refuses: a request without its token, the wrong method, another site's
 * request, an oversized body, a silent client.
 */
class GatewaySafetyTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static GatewayServer gateway;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    gateway = GatewayServer.start(cluster.config().with(GatewayServer.UPLOAD_MAX_BYTES, Integer.toString(1 << 20))
        .with(GatewayServer.IDLE_TIMEOUT_MS, "1000"), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  /** A request carrying the gateway's token, as every program using it must. */
  static HttpRequest.Builder authorized(String path) {
    return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + gateway.token());
  }

  static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = authorized(path).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void operationsTakePostOnlySoALinkOrAnImageCannotTriggerThem() throws Exception {
    var get = http.send(authorized("/create_directory?directory_name=/by-get").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    var delete = http.send(authorized("/delete_directory?directory_name=/&recursive=true").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(cluster.newFileSystem("check").exists("/by-get")).isFalse();
    assertThat(post("/list", "").statusCode()).as("reads take GET").isEqualTo(405);
    assertThat(http.send(authorized("/list").GET().build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
  }

  @Test
  void anotherSitesFormIsRefusedAndTheDashboardsOwnOriginServed() throws Exception {
    assertThat(post("/create_directory", "directory_name=/csrf1", "Origin", "http://evil.example").statusCode())
        .isEqualTo(403);
    assertThat(post("/create_directory", "directory_name=/csrf2", "Sec-Fetch-Site", "cross-site").statusCode())
        .isEqualTo(403);
    assertThat(post("/create_directory", "directory_name=/csrf3", "Origin", "null").statusCode()).isEqualTo(403);
    var fs = cluster.newFileSystem("check-csrf");
    assertThat(fs.exists("/csrf1") || fs.exists("/csrf2") || fs.exists("/csrf3")).isFalse();
    assertThat(post("/create_directory", "directory_name=/same-origin", "Origin", "http://127.0.0.1:" + gateway.port(),
        "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(201);
    assertThat(post("/create_directory", "directory_name=/from-curl").statusCode()).isEqualTo(201);
  }

  @Test
  void withoutTheTokenNothingButTheDashboardPageIsServed() throws Exception {
    for (String path : new String[] {"/create_directory", "/delete_directory", "/upload_file", "/download_file"}) {
      var none = http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("directory_name=/no-token&file_name=/no-token")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }
    var wrong = http.send(HttpRequest.newBuilder(uri("/create_directory")).header("Authorization", "Bearer "
        + gateway.token().substring(1) + "x").header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("directory_name=/wrong-token")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(cluster.newFileSystem("check-token").exists("/wrong-token")).isFalse();
    for (String path : new String[] {"/list", "/api/cluster", "/api/latency", "/metrics", "/metrics/prometheus",
        "/no-such-page"}) {
      assertThat(http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).as(path).isEqualTo(401);
    }
    assertThat(http.send(HttpRequest.newBuilder(uri("/")).GET().build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).as("the page, where a browser logs in").isEqualTo(200);
  }

  @Test
  void aBrowserLogsInOnceAndItsCookieIsSameSiteOnly() throws Exception {
    var bad = http.send(HttpRequest.newBuilder(uri("/?token=guess")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.headers().firstValue("Set-Cookie")).isEmpty();
    var login = http.send(HttpRequest.newBuilder(uri("/?token=" + gateway.token())).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/");
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).containsIgnoringCase("HttpOnly").contains("SameSite=Strict").startsWith("dfs_gateway=");
    var api = http.send(HttpRequest.newBuilder(uri("/api/cluster")).header("Cookie", cookie.split(";")[0]).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).isEqualTo(200);
    assertThat(api.body()).contains("leader");
  }

  @Test
  void theTokenFileIsTheOwnersAloneAndKeptAcrossStarts() throws Exception {
    Path file = dir.resolve("gateway.token");
    String first;
    try (GatewayServer g = GatewayServer.start(cluster.config().with(GatewayToken.FILE, file.toString()), "127.0.0.1", 0)) {
      first = g.token();
    }
    assertThat(java.nio.file.Files.getPosixFilePermissions(file))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(java.nio.file.Files.readString(file).trim()).isEqualTo(first).hasSizeGreaterThanOrEqualTo(40);
    try (GatewayServer g = GatewayServer.start(cluster.config().with(GatewayToken.FILE, file.toString()), "127.0.0.1", 0)) {
      assertThat(g.token()).isEqualTo(first);
    }
    assertThat(gateway.token()).as("a gateway without the setting makes its own").isNotEqualTo(first);
  }

  @Test
  void aBodyOverTheLimitIsRefusedBeforeItIsStored() throws Exception {
    var big = post("/upload_file?file_name=big.bin", "x".repeat((1 << 20) + 1));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).contains("dfs.gateway.upload.max.bytes");
    assertThat(gateway.metrics().counter("http.refused").getCount()).isPositive();
  }

  @Test
  void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      s.setSoTimeout(10_000);
      long start = System.nanoTime();
      InputStream in = s.getInputStream();
      assertThat(in.read()).as("closed by the gateway").isEqualTo(-1);
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 9_000L);
    }
  }
}
