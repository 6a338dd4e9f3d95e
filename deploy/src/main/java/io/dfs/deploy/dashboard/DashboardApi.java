package io.dfs.deploy.dashboard;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.util.JsonFormat;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.tls.ClusterTls;
import io.dfs.observability.MetricsRenderer;
import io.dfs.proto.ClusterStatusResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON behind the dashboard: the leader's cluster status (peers, nodes, capacity, block
 * health, op rates, per-node throughput) plus the gateway's own request rates ({@link #json}), and
 * the latency of every timed operation of every process it can reach ({@link #latencyJson}).
 * Field names are the proto's, in lowerCamelCase.
 */
public final class DashboardApi {
  private final DfsFileSystem fs;
  private final MetricRegistry gatewayMetrics;
  private final MetricsRenderer gatewayRenderer;
  /** Metrics endpoints of mounts named in the cluster config (label -> host:port). */
  private final Map<String, String> mounts;
  private final JsonFormat.Printer printer = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();
  private final LatencyReport latency;

  /** {@code tls}: how to reach the other processes' metrics (HTTPS with a cluster certificate, or HTTP). */
  public DashboardApi(DfsFileSystem fs, MetricRegistry gatewayMetrics, MetricsRenderer gatewayRenderer,
      Map<String, String> mounts, ClusterTls tls) {
    this.fs = fs;
    this.latency = new LatencyReport(tls);
    this.gatewayMetrics = gatewayMetrics;
    this.gatewayRenderer = gatewayRenderer;
    this.mounts = mounts;
  }

  /** Timers of the peers, the storage nodes, the configured mounts and this gateway. */
  public byte[] latencyJson() throws IOException {
    ClusterStatusResponse status = fs.clusterStatus();
    Map<String, String> processes = new LinkedHashMap<>();
    status.getPeersList().stream().filter(p -> !p.getHttpAddress().isEmpty())
        .forEach(p -> processes.put(p.getPeerId(), p.getHttpAddress()));
    status.getNodesList().stream().filter(n -> n.getHttpPort() > 0)
        .forEach(n -> processes.put(n.getNodeId(), n.getHost() + ":" + n.getHttpPort()));
    processes.putAll(mounts);
    return latency.json(processes, "gateway", gatewayRenderer.json());
  }

  public byte[] json() throws IOException {
    ClusterStatusResponse status = fs.clusterStatus();
    String cluster = printer.print(status);
    double requests = gatewayMetrics.meter("http.requests").getOneMinuteRate();
    String json = "{\"cluster\":" + cluster + ",\"gateway\":{\"requestsPerSec\":" + requests
        + "},\"timeMs\":" + System.currentTimeMillis() + "}";
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
