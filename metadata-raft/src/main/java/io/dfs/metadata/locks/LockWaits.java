package io.dfs.metadata.locks;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.TestLockRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The leader's waiting room for F_SETLKW and blocking flock: a lock call that asks to wait, and
 * meets a conflicting lock in the applied namespace, is held here and looked at again every
 * {@link #RECHECK_MS} until the lock in its way is gone; then it goes to the log like any write
 * (where it may still lose a race and come back LOCK_CONFLICT). After {@link #HOLD_MS} it is
 * answered LOCK_CONFLICT and its client asks again, so no call outlives the client's attempt
 * timeout and a client that gave up is forgotten soon. Leader-only state with one owner: the
 * waiting list belongs to this class's single thread; apply knows nothing of it.
 */
public final class LockWaits implements AutoCloseable {
  static final long RECHECK_MS = 10;
  /** Below the client's 5 s attempt timeout (MetadataClient), which would send the call again. */
  static final long HOLD_MS = 3_000;

  private final Function<MetaRequest, MetaResponse> query;
  private final ScheduledExecutorService thread;
  /** Only touched on {@link #thread}. */
  private final List<Waiting> waiting = new ArrayList<>();
  /** How many wait, for the metrics thread. */
  private final AtomicInteger waitingCount = new AtomicInteger();
  private final Meter deadlocks;

  private static final class Waiting {
    final ClientCall call;
    final Function<ClientCall, CompletableFuture<MetaResponse>> propose;
    final CompletableFuture<MetaResponse> answer;
    final long deadlineNanos;
    /** The owner of the lock in its way when last looked at: as ownerKey makes it. */
    String blockedBy;

    Waiting(ClientCall call, Function<ClientCall, CompletableFuture<MetaResponse>> propose,
        CompletableFuture<MetaResponse> answer, long deadlineNanos) {
      this.call = call;
      this.propose = propose;
      this.answer = answer;
      this.deadlineNanos = deadlineNanos;
    }

    String owner() {
      return ownerKey(call.getClientId(), call.getRequest().getLock().getOwner());
    }

    boolean posix() {
      return call.getRequest().getLock().getKind() == LockKind.POSIX_LOCK;
    }
  }

  /** {@code query}: a read of the leader's applied namespace (the state machine's). */
  public LockWaits(Function<MetaRequest, MetaResponse> query, String peerId, MetricRegistry metrics) {
    this.query = query;
    this.deadlocks = metrics.meter("locks.deadlocks");
    metrics.register("locks.waiting", (Gauge<Integer>) waitingCount::get);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lock-waits-" + peerId);
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::recheck, RECHECK_MS, RECHECK_MS, TimeUnit.MILLISECONDS);
  }

  /** True for a call this class should see: a lock that asks to wait. */
  public static boolean waits(MetaRequest request) {
    return request.getOpCase() == MetaRequest.OpCase.LOCK && request.getLock().getWait();
  }

  /** The call's answer: proposed through {@code propose} once nothing is in its way. */
  public CompletableFuture<MetaResponse> submit(ClientCall call,
      Function<ClientCall, CompletableFuture<MetaResponse>> propose) {
    CompletableFuture<MetaResponse> answer = new CompletableFuture<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MS);
    thread.execute(() -> {
      Waiting w = new Waiting(call, propose, answer, deadline);
      if (tryNow(w)) {
        return;
      }
      if (closesACircle(w)) {
        deadlocks.mark();
        answer.complete(NamespaceStateMachine.error(ErrorCode.LOCK_DEADLOCK, "the lock's holder waits, directly or"
            + " through others, for a lock of this owner"));
        return;
      }
      waiting.add(w);
      waitingCount.set(waiting.size());
    });
    return answer;
  }

  private void recheck() {
    long now = System.nanoTime();
    if (waiting.removeIf(w -> this.answered(w, now))) {
      waitingCount.set(waiting.size());
    }
  }

  /** Whether a waiting call is answered now: proposed, or held long enough. */
  private boolean answered(Waiting w, long now) {
    if (tryNow(w)) {
      return true;
    }
    if (now - w.deadlineNanos >= 0) {
      w.answer.complete(NamespaceStateMachine.error(ErrorCode.LOCK_CONFLICT, "still locked: ask again"));
      return true;
    }
    return false;
  }

  /** Proposes the call when nothing is in its way (or its check fails: apply reports that); true when answered. */
  private boolean tryNow(Waiting w) {
    LockRequest lock = w.call.getRequest().getLock();
    MetaResponse test = query.apply(MetaRequest.newBuilder().setCaller(w.call.getRequest().getCaller())
        .setTestLock(TestLockRequest.newBuilder().setLock(lock).setSession(w.call.getClientId())).build());
    if (test.hasConflict()) {
      w.blockedBy = ownerKey(test.getConflict().getSession(), test.getConflict().getOwner());
      return false;
    }
    w.propose.apply(w.call).whenComplete((r, e) -> {
      if (e != null) {
        w.answer.completeExceptionally(e);
      } else {
        w.answer.complete(r);
      }
    });
    return true;
  }

  /** A lock owner across sessions, as waiters and the locks in their way are matched: "session/owner". */
  private static String ownerKey(String session, long owner) {
    return session + "/" + owner;
  }

  /**
   * Whether a POSIX lock's wait would close a circle: the owner in its way waits for another,
   * and so on, back to this one (Linux's EDEADLK; flocks are not checked, as on Linux).
   */
  private boolean closesACircle(Waiting w) {
    if (!w.posix()) {
      return false;
    }
    String next = w.blockedBy;
    for (int hops = 0; next != null && hops <= waiting.size(); hops++) {
      if (next.equals(w.owner())) {
        return true;
      }
      String holder = next;
      next = waiting.stream().filter(o -> o.posix() && o.owner().equals(holder)).map(o -> o.blockedBy)
          .findFirst().orElse(null);
    }
    return false;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
