package io.dfs.observability;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A registry's metrics as Dropwizard JSON and as Prometheus text, with JVM gauges added. */
public final class MetricsRenderer {
  public static final String PROMETHEUS_CONTENT_TYPE = TextFormat.CONTENT_TYPE_004;

  private final ObjectMapper json = new ObjectMapper()
      .registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
  private final CollectorRegistry prometheus = new CollectorRegistry();
  private final MetricRegistry registry;

  public MetricsRenderer(MetricRegistry registry) {
    this.registry = registry;
    if (registry.getNames().stream().noneMatch(n -> n.startsWith("jvm."))) {
      registry.register("jvm.memory", new MemoryUsageGaugeSet());
      registry.register("jvm.gc", new GarbageCollectorMetricSet());
      registry.register("jvm.threads", new ThreadStatesGaugeSet());
    }
    prometheus.register(new DropwizardExports(registry));
  }

  public byte[] json() throws IOException {
    return json.writeValueAsBytes(registry);
  }

  public byte[] prometheusText() throws IOException {
    StringWriter w = new StringWriter();
    TextFormat.write004(w, prometheus.metricFamilySamples());
    return w.toString().getBytes(StandardCharsets.UTF_8);
  }
}
