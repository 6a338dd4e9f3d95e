package io.dfs.deploy.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dfs.client.tls.ClusterTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The latency of every timed operation in the cluster's processes, for the dashboard: each
 * process's {@code /metrics} is asked for its timers (the mount's {@code fuse.*} callbacks, every
 * client's {@code client.*} calls, the peers' {@code namespace.apply.*}), and each timer with
 * calls becomes one row: process, operation, calls, rate, p50, p99 (milliseconds); with them, the
 * open output streams of every client. A process that does not answer within a second becomes a
 * row with its error.
 */
final class LatencyReport {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private final HttpClient http;
  private final String scheme;
  private final ObjectMapper json = new ObjectMapper();

  /** {@code tls}: the gateway's cluster identity, which the processes' HTTPS endpoints ask for. */
  LatencyReport(ClusterTls tls) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
    if (tls.enabled()) {
      b.sslContext(tls.jdkContext());
    }
    this.http = b.build();
    this.scheme = tls.enabled() ? "https" : "http";
  }

  /**
   * {@code processes}: a label and the host:port of its metrics endpoint; {@code local}: this
   * process's own metrics JSON. Returns {@code {"latency": [...], "streams": [...]}}: a row per
   * timer with calls, and a row per open output stream of every client ({@code client.streams}).
   */
  byte[] json(Map<String, String> processes, String localLabel, byte[] local) throws IOException {
    List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    processes.forEach((label, address) -> {
      labels.add(label);
      answers.add(http.sendAsync(
              HttpRequest.newBuilder(URI.create(scheme + "://" + address + "/metrics")).timeout(TIMEOUT).build(),
              HttpResponse.BodyHandlers.ofByteArray())
          .thenApply(r -> parse(r.body()))
          .exceptionally(e -> json.createObjectNode().put("error", "unreachable: " + (e.getCause() != null ? e.getCause() : e))));
    });
    ObjectNode out = json.createObjectNode();
    ArrayNode latency = out.putArray("latency");
    ArrayNode streams = out.putArray("streams");
    add(localLabel, parse(local), latency, streams);
    for (int i = 0; i < answers.size(); i++) {
      add(labels.get(i), answers.get(i).join(), latency, streams);
    }
    return json.writeValueAsBytes(out);
  }

  private JsonNode parse(byte[] metrics) {
    try {
      return json.readTree(metrics);
    } catch (IOException e) {
      return json.createObjectNode().put("error", "unreadable metrics: " + e.getMessage());
    }
  }

  private void add(String process, JsonNode metrics, ArrayNode latency, ArrayNode streams) {
    if (metrics.has("error")) {
      latency.add(json.createObjectNode().put("process", process).put("error", metrics.get("error").asText()));
      return;
    }
    latency.addAll(rows(process, metrics));
    for (JsonNode s : metrics.path("gauges").path("client.streams").path("value")) {
      streams.add(((ObjectNode) s.deepCopy()).put("process", process));
    }
  }

  private List<ObjectNode> rows(String process, JsonNode metrics) {
    List<ObjectNode> rows = new ArrayList<>();
    JsonNode timers = metrics.path("timers");
    timers.fields().forEachRemaining(t -> {
      JsonNode v = t.getValue();
      if (v.path("count").asLong() > 0) {
        rows.add(json.createObjectNode().put("process", process).put("operation", t.getKey())
            .put("count", v.path("count").asLong()).put("ratePerSec", v.path("m1_rate").asDouble())
            .put("p50Ms", v.path("p50").asDouble()).put("p99Ms", v.path("p99").asDouble()));
      }
    });
    return rows;
  }
}
