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

/** What the gateway refuses: the wrong method, another site's request, an oversized body, a silent client. */
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

  static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void operationsTakePostOnlySoALinkOrAnImageCannotTriggerThem() throws Exception {
    var get = http.send(HttpRequest.newBuilder(uri("/create_directory?directory_name=/by-get")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    var delete = http.send(HttpRequest.newBuilder(uri("/delete_directory?directory_name=/&recursive=true")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(cluster.newFileSystem("check").exists("/by-get")).isFalse();
    assertThat(post("/list", "").statusCode()).as("reads take GET").isEqualTo(405);
    assertThat(http.send(HttpRequest.newBuilder(uri("/list")).GET().build(), HttpResponse.BodyHandlers.ofString())
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
