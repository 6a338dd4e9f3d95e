package io.dfs.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.tls.ClusterTls;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The metrics endpoint answers a scraper and closes a connection that sends nothing. */
class MetricsHttpServerTest {
  @Test
  void aSilentConnectionIsClosedAfterTheIdleTimeoutAndAScraperIsServed() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    registry.counter("requests").inc(3);
    try (MetricsHttpServer server = MetricsHttpServer.start(registry, "127.0.0.1", 0, ClusterTls.plaintext(), 500)) {
      try (Socket silent = new Socket("127.0.0.1", server.port())) {
        silent.setSoTimeout(10_000);
        long start = System.nanoTime();
        InputStream in = silent.getInputStream();
        assertThat(in.read()).as("closed by the server, not timed out here").isEqualTo(-1);
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 8_000L);
      }
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"requests\":{\"count\":3}");
    }
  }
}
