package io.dfs.deploy.dashboard;

import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.util.JsonFormat;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.ClusterStatusResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON behind the dashboard: the leader's cluster status (peers, nodes, capacity, block
 * health, op rates, per-node throughput) plus the gateway's own request rates. Field names are
 * the proto's, in lowerCamelCase.
 */
public final class DashboardApi {
  private final DfsFileSystem fs;
  private final MetricRegistry gatewayMetrics;
  private final JsonFormat.Printer printer = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

  public DashboardApi(DfsFileSystem fs, MetricRegistry gatewayMetrics) {
    this.fs = fs;
    this.gatewayMetrics = gatewayMetrics;
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
