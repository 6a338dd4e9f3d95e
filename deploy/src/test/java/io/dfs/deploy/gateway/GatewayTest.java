package io.dfs.deploy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfs.blockstore.testing.MiniDfsCluster;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original HTTP operations, through a real gateway over a real cluster. */
class GatewayTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static GatewayServer gateway;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    gateway = GatewayServer.start(cluster.config(), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    cluster.close();
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  /** A request carrying the gateway's token, as every program using it must. */
  static HttpRequest.Builder authorized(String path) {
    return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + gateway.token());
  }

  static HttpResponse<String> form(String path, String... kv) throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      body.append(i == 0 ? "" : "&").append(kv[i]).append('=').append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
    }
    return http.send(authorized(path).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> upload(String filename, byte[] content, String targetPath) throws Exception {
    String boundary = "----dfs" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (targetPath != null) {
      body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n" + targetPath + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(content);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.send(authorized("/upload_file")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void createUploadDownloadDelete() throws Exception {
    assertThat(form("/create_directory", "directory_name", "photos").statusCode()).isEqualTo(201);
    byte[] content = new byte[3 * (1 << 20) + 5];
    new Random(3).nextBytes(content);
    HttpResponse<String> up = upload("big.bin", content, "/photos");
    assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
    assertThat(json.readTree(up.body()).get("uploaded").asText()).isEqualTo("/photos/big.bin");
    assertThat(upload("root.txt", "hello".getBytes(StandardCharsets.UTF_8), null).statusCode()).isEqualTo(201);

    HttpResponse<byte[]> down = http.send(authorized("/download_file")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("file_name=photos/big.bin")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.body()).isEqualTo(content);

    JsonNode listing = json.readTree(http.send(authorized("/list?path=/photos").build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(listing.get(0).get("path").asText()).isEqualTo("/photos/big.bin");
    assertThat(listing.get(0).get("size").asLong()).isEqualTo(content.length);

    assertThat(form("/delete_directory", "directory_name", "photos").statusCode()).isEqualTo(409);
    assertThat(form("/delete_directory", "directory_name", "photos", "recursive", "true").statusCode()).isEqualTo(200);
    assertThat(form("/download_file", "file_name", "photos/big.bin").statusCode()).isEqualTo(404);
  }

  @Test
  void badInputGetsPreciseStatusAndJsonError() throws Exception {
    HttpResponse<String> missing = form("/create_directory");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json.readTree(missing.body()).get("error").asText()).contains("directory_name");
    assertThat(form("/create_directory", "directory_name", "../etc").statusCode()).isEqualTo(400);
    assertThat(form("/create_directory", "directory_name", "a/../b").statusCode()).isEqualTo(400);
    assertThat(form("/create_directory", "directory_name", "x".repeat(300)).statusCode()).isEqualTo(400);
    assertThat(form("/create_directory", "directory_name", "no/parent").statusCode()).isEqualTo(404);
    assertThat(form("/create_directory", "directory_name", "twice").statusCode()).isEqualTo(201);
    assertThat(form("/create_directory", "directory_name", "twice").statusCode()).isEqualTo(409);
    assertThat(form("/delete_directory", "directory_name", "never").statusCode()).isEqualTo(404);
    assertThat(form("/download_file").statusCode()).isEqualTo(400);
    assertThat(form("/upload_file").statusCode()).isEqualTo(400);
    assertThat(form("/download_file", "file_name", "twice").statusCode()).isEqualTo(400);
  }

  @Test
  void metricsMoveWhenWorkIsDone() throws Exception {
    long before = gateway.metrics().meter("http.requests").getCount();
    long uploadedBefore = gateway.metrics().meter("http.upload.bytes").getCount();
    upload("m.bin", new byte[1000], null);
    assertThat(gateway.metrics().meter("http.requests").getCount()).isGreaterThan(before);
    assertThat(gateway.metrics().meter("http.upload.bytes").getCount()).isEqualTo(uploadedBefore + 1000);
    String prometheus = http.send(authorized("/metrics/prometheus").build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(prometheus).contains("http_requests_total");
    JsonNode cluster = json.readTree(http.send(authorized("/api/cluster").build(),
        HttpResponse.BodyHandlers.ofString()).body()).get("cluster");
    assertThat(cluster.get("leaderId").asText()).isNotEmpty();
    assertThat(cluster.get("nodes")).hasSize(3);
  }

  @Test
  void latencyShowsTheClientCallsBehindAnUpload() throws Exception {
    upload("lat.bin", new byte[100], null);
    JsonNode rows = json.readTree(http.send(authorized("/api/latency").build(),
        HttpResponse.BodyHandlers.ofString()).body()).get("latency");
    JsonNode create = null;
    for (JsonNode r : rows) {
      if (r.path("process").asText().equals("gateway") && r.path("operation").asText().equals("client.create")) {
        create = r;
      }
    }
    assertThat(create).as("the gateway's client.create row in %s", rows).isNotNull();
    assertThat(create.get("count").asLong()).isPositive();
    assertThat(create.get("p99Ms").asDouble()).isGreaterThan(0).isGreaterThanOrEqualTo(create.get("p50Ms").asDouble());
  }

  @Test
  void openWriteStreamsAreListedWithTheirProgress() throws Exception {
    // a stream of the gateway's own client, held open: it shows with its bytes, then goes at close
    var fs = gateway.client();
    try (var out = fs.create("/streaming.bin", io.dfs.client.fs.CreateOptions.defaults())) {
      out.write(new byte[3 << 20]);
      out.hflush();
      JsonNode stream = null;
      for (JsonNode s : latency().get("streams")) {
        if (s.path("path").asText().equals("/streaming.bin")) {
          stream = s;
        }
      }
      assertThat(stream).as("the open stream in %s", latency()).isNotNull();
      assertThat(stream.get("process").asText()).isEqualTo("gateway");
      assertThat(stream.get("bytesWritten").asLong()).isEqualTo(3 << 20);
      assertThat(stream.get("bytesAcknowledged").asLong()).isEqualTo(3 << 20); // hflush: every node has them
    }
    assertThat(latency().get("streams").findValuesAsText("path")).doesNotContain("/streaming.bin");
  }

  private static JsonNode latency() throws Exception {
    return json.readTree(http.send(authorized("/api/latency").build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }
}
