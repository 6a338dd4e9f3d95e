package io.dfs.client.metadata;

import io.dfs.proto.MetaBatch;
import io.dfs.proto.MetaBatchResponse;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Group commit for one client. Interactive writes (see {@link WriteLane}) go at once while fewer
 * than {@link #INTERACTIVE_IN_FLIGHT} entries are out; past that they wait and then go together as
 * one {@link MetaBatch} entry. Background writes wait for a ride: the next interactive entry takes
 * every background write queued before it, and when none comes within {@link #BACKGROUND_LINGER_MS}
 * they go as one entry of their own (one at a time). A sequential writer through the mount (tar:
 * create, write, close, next create) so pays one entry per file instead of two: each create
 * carries the completions of the files before it.
 *
 * <p>Order is kept: an entry is applied in order (the background writes it carries first, as they
 * were queued first) and entries follow each other in the client's order. Entries out at the same
 * time may still be applied out of order when one is retried across a leader change, so while an
 * entry carrying a {@link WriteLane#BACKGROUND_BARRIER} write is out, no background write goes in
 * another entry (interactive entries go alone meanwhile: their callers waited for what they depend
 * on). One monitor guards the queues and counters; nothing is called while holding it.
 */
final class WriteBatcher {
  static final int MAX_BATCH = 256;
  /**
   * Interactive entries of one client outstanding at once. Measured with tar into the mount (a
   * create on the critical path while eight background completions shared its lane): 2 made the
   * create wait behind them (161 files in 3.3-3.5 s warm), 8 let it go at once (2.6-2.7 s).
   */
  static final int INTERACTIVE_IN_FLIGHT = 8;
  /**
   * How long a background write waits for an interactive entry to ride with. A write-behind
   * completion is ready 5-15 ms after its close and tar creates a file every ~10 ms: measured with
   * a tar of 1,403 files into the mount, 5 ms left most completions alone (2,300 entries), 20 ms
   * let nearly all ride (1,790; 3,170 without riding), 17-20 s -> 15-17 s.
   */
  static final long BACKGROUND_LINGER_MS = 20;

  private record Pending(MetaRequest request, CompletableFuture<MetaResponse> result, boolean barrier) {}

  private final Function<MetaRequest, CompletableFuture<MetaResponse>> send;
  private final Deque<Pending> interactive = new ArrayDeque<>();
  private final Deque<Pending> background = new ArrayDeque<>();
  private int interactiveInFlight;
  private boolean backgroundInFlight;
  /** An entry carrying a barrier write is out: background writes wait for its answer. */
  private boolean barrierInFlight;
  /** When the oldest queued background write stops waiting for a ride (System.nanoTime). */
  private long backgroundDueNanos;

  /** {@code send} submits one Raft entry and yields its raw response (errors not yet raised). */
  WriteBatcher(Function<MetaRequest, CompletableFuture<MetaResponse>> send) {
    this.send = send;
  }

  CompletableFuture<MetaResponse> submit(MetaRequest request, WriteLane lane) {
    Pending p = new Pending(request, new CompletableFuture<>(), lane == WriteLane.BACKGROUND_BARRIER);
    boolean startLinger = false;
    synchronized (this) {
      if (lane == WriteLane.INTERACTIVE) {
        interactive.add(p);
      } else {
        startLinger = background.isEmpty();
        if (startLinger) {
          backgroundDueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACKGROUND_LINGER_MS);
        }
        background.add(p);
      }
    }
    if (startLinger) {
      CompletableFuture.runAsync(this::drain,
          CompletableFuture.delayedExecutor(BACKGROUND_LINGER_MS, TimeUnit.MILLISECONDS));
    }
    drain();
    return p.result();
  }

  /** Background writes queued now go as soon as nothing holds them back: someone waits for them. */
  void expedite() {
    synchronized (this) {
      if (background.isEmpty()) {
        return;
      }
      backgroundDueNanos = System.nanoTime();
    }
    drain();
  }

  private void drain() {
    List<Pending> batch = new ArrayList<>();
    boolean asInteractive;
    boolean barrier;
    synchronized (this) {
      if (!interactive.isEmpty() && interactiveInFlight < INTERACTIVE_IN_FLIGHT) {
        if (!barrierInFlight) {
          moveUpTo(background, batch);
        }
        moveUpTo(interactive, batch);
        interactiveInFlight++;
        asInteractive = true;
      } else if (!background.isEmpty() && !backgroundInFlight && !barrierInFlight
          && (background.size() >= MAX_BATCH || System.nanoTime() - backgroundDueNanos >= 0)) {
        moveUpTo(background, batch);
        backgroundInFlight = true;
        asInteractive = false;
      } else {
        return;
      }
      barrier = batch.stream().anyMatch(Pending::barrier);
      barrierInFlight |= barrier;
      if (!background.isEmpty()) {
        backgroundDueNanos = System.nanoTime(); // what did not fit waited long enough
      }
    }
    send.apply(entryOf(batch)).whenComplete((response, failure) -> {
      synchronized (this) {
        if (asInteractive) {
          interactiveInFlight--;
        } else {
          backgroundInFlight = false;
        }
        if (barrier) {
          barrierInFlight = false;
        }
      }
      if (failure != null) {
        batch.forEach(p -> p.result().completeExceptionally(failure));
      } else if (batch.size() == 1) {
        batch.get(0).result().complete(response);
      } else {
        answer(batch, response);
      }
      drain();
    });
  }

  private static void moveUpTo(Deque<Pending> from, List<Pending> batch) {
    while (!from.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(from.poll());
    }
  }

  /**
   * One entry for the batch. A request that is itself a batch (writes that belong together, such
   * as a completion with its attributes) is spliced in, so entries never nest.
   */
  private static MetaRequest entryOf(List<Pending> batch) {
    if (batch.size() == 1) {
      return batch.get(0).request();
    }
    MetaBatch.Builder entry = MetaBatch.newBuilder();
    for (Pending p : batch) {
      if (p.request().hasBatch()) {
        entry.addAllRequests(p.request().getBatch().getRequestsList());
      } else {
        entry.addRequests(p.request());
      }
    }
    return MetaRequest.newBuilder().setBatch(entry).build();
  }

  /** Hands each request its part of the entry's responses (a spliced batch gets its own batch back). */
  private static void answer(List<Pending> batch, MetaResponse response) {
    int expected = batch.stream().mapToInt(p -> p.request().hasBatch() ? p.request().getBatch().getRequestsCount() : 1)
        .sum();
    List<MetaResponse> all = response.getBatch().getResponsesList();
    if (all.size() != expected) {
      IllegalStateException e = new IllegalStateException("batch of " + expected + " answered with " + all.size()
          + " responses");
      batch.forEach(p -> p.result().completeExceptionally(e));
      return;
    }
    int next = 0;
    for (Pending p : batch) {
      if (p.request().hasBatch()) {
        int n = p.request().getBatch().getRequestsCount();
        p.result().complete(MetaResponse.newBuilder()
            .setBatch(MetaBatchResponse.newBuilder().addAllResponses(all.subList(next, next + n))).build());
        next += n;
      } else {
        p.result().complete(all.get(next++));
      }
    }
  }
}
