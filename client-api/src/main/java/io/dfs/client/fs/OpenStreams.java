package io.dfs.client.fs;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output streams a client has open, for its metrics: {@code client.streams.open} (how many)
 * and {@code client.streams} (one row each: path, bytes written and acknowledged by every pipeline
 * node, packets waiting for their ack, age), which the dashboard shows per process.
 */
final class OpenStreams {
  private final Set<DfsClientOutputStream> open = ConcurrentHashMap.newKeySet();

  OpenStreams(MetricRegistry metrics) {
    metrics.register("client.streams.open", (Gauge<Integer>) open::size);
    metrics.register("client.streams", (Gauge<List<Map<String, Object>>>) () ->
        open.stream().map(DfsClientOutputStream::stats).toList());
  }

  void opened(DfsClientOutputStream s) {
    open.add(s);
  }

  void closed(DfsClientOutputStream s) {
    open.remove(s);
  }
}
