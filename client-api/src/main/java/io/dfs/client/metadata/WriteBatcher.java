package io.dfs.client.metadata;

import io.dfs.proto.MetaBatch;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for one client: while {@link #MAX_IN_FLIGHT} Raft entries are outstanding, further
 * writes wait and then go together as one {@link MetaBatch} entry. A lone writer still pays one
 * round trip per write; many concurrent writers share entries, so throughput grows with
 * concurrency instead of being capped by the per-entry latency of consensus. Order is kept: a
 * batch is applied in order, and batches follow each other in the client's order.
 */
final class WriteBatcher {
  static final int MAX_BATCH = 256;
  static final int MAX_IN_FLIGHT = 2;

  private record Pending(MetaRequest request, CompletableFuture<MetaResponse> result) {}

  private final Function<MetaRequest, CompletableFuture<MetaResponse>> send;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  /** {@code send} submits one Raft entry and yields its raw response (errors not yet raised). */
  WriteBatcher(Function<MetaRequest, CompletableFuture<MetaResponse>> send) {
    this.send = send;
  }

  CompletableFuture<MetaResponse> submit(MetaRequest request) {
    Pending p = new Pending(request, new CompletableFuture<>());
    synchronized (this) {
      queue.add(p);
    }
    drain();
    return p.result();
  }

  private void drain() {
    List<Pending> batch = new ArrayList<>();
    synchronized (this) {
      if (inFlight >= MAX_IN_FLIGHT || queue.isEmpty()) {
        return;
      }
      while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
        batch.add(queue.poll());
      }
      inFlight++;
    }
    MetaRequest entry = batch.size() == 1 ? batch.get(0).request()
        : MetaRequest.newBuilder().setBatch(MetaBatch.newBuilder()
            .addAllRequests(batch.stream().map(Pending::request).toList())).build();
    send.apply(entry).whenComplete((response, failure) -> {
      synchronized (this) {
        inFlight--;
      }
      if (failure != null) {
        batch.forEach(p -> p.result().completeExceptionally(failure));
      } else if (batch.size() == 1) {
        batch.get(0).result().complete(response);
      } else if (response.getBatch().getResponsesCount() != batch.size()) {
        IllegalStateException e = new IllegalStateException("batch of " + batch.size() + " answered with "
            + response.getBatch().getResponsesCount() + " responses");
        batch.forEach(p -> p.result().completeExceptionally(e));
      } else {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(response.getBatch().getResponses(i));
        }
      }
      drain();
    });
  }
}
