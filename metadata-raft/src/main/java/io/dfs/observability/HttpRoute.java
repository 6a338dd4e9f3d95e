package io.dfs.observability;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/** Answers one HTTP path of a {@link MetricsHttpServer}. */
@FunctionalInterface
public interface HttpRoute {
  FullHttpResponse handle(FullHttpRequest request) throws Exception;
}
