package io.dfs.client.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.MkdirRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The batcher's sending order, against a log it can see into (each entry stays out until the test
 * answers it): what the Raft log then receives is what a real cluster would apply.
 */
class WriteBatcherTest {
  private record Out(MetaRequest entry, CompletableFuture<MetaResponse> answer) {}

  private final List<Out> sent = new CopyOnWriteArrayList<>();
  private final WriteBatcher batcher = new WriteBatcher(entry -> {
    CompletableFuture<MetaResponse> answer = new CompletableFuture<>();
    sent.add(new Out(entry, answer));
    return answer;
  });

  private static MetaRequest mkdir(String path) {
    return MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath(path)).build();
  }

  private static void answer(Out out) {
    int n = out.entry().hasBatch() ? out.entry().getBatch().getRequestsCount() : 1;
    MetaResponse.Builder r = MetaResponse.newBuilder();
    if (out.entry().hasBatch()) {
      var batch = io.dfs.proto.MetaBatchResponse.newBuilder();
      for (int i = 0; i < n; i++) {
        batch.addResponses(MetaResponse.newBuilder().setDone(true));
      }
      r.setBatch(batch);
    } else {
      r.setDone(true);
    }
    out.answer().complete(r.build());
  }

  @Test
  void backgroundWritesNeverOvertakeABarrierStillOut() {
    // a directory made without waiting (a barrier: later background writes depend on it)
    var made = batcher.submit(mkdir("/d"), WriteLane.BACKGROUND_BARRIER);
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    // then a write that depends on it, and an interactive write from another caller
    var inside = batcher.submit(mkdir("/d/e"), WriteLane.BACKGROUND);
    var unrelated = batcher.submit(mkdir("/x"), WriteLane.INTERACTIVE);
    // the interactive one goes at once, alone: were the dependent write out beside the first, a
    // leader change could apply it first (its retry landing before the first one's)
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
    assertThat(sent.get(1).entry().hasBatch()).isFalse();
    assertThat(sent.get(1).entry().getMkdir().getPath()).isEqualTo("/x");
    answer(sent.get(1));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
    answer(sent.get(0));
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 3);
    assertThat(sent.get(2).entry().getMkdir().getPath()).isEqualTo("/d/e");
    answer(sent.get(2));
    assertThat(made).isCompleted();
    assertThat(inside).isCompleted();
    assertThat(unrelated).isCompleted();
  }

  @Test
  void ordinaryBackgroundWritesStillRideWithInteractiveEntriesOut() {
    batcher.submit(mkdir("/f1"), WriteLane.BACKGROUND);
    batcher.submit(mkdir("/i1"), WriteLane.INTERACTIVE);
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    batcher.submit(mkdir("/f2"), WriteLane.BACKGROUND);
    batcher.submit(mkdir("/i2"), WriteLane.INTERACTIVE);
    // no barrier out: the second interactive entry takes the background write with it at once
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
    assertThat(sent.get(1).entry().getBatch().getRequestsList()).extracting(r -> r.getMkdir().getPath())
        .containsExactly("/f2", "/i2");
    sent.forEach(WriteBatcherTest::answer);
  }

  @Test
  void interactiveEntriesAloneStillGoSeveralAtOnce() {
    for (int i = 0; i < 3; i++) {
      batcher.submit(mkdir("/i" + i), WriteLane.INTERACTIVE);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 3);
    sent.forEach(WriteBatcherTest::answer);
  }

  @Test
  void backgroundWritesRideWithTheNextInteractiveEntry() {
    batcher.submit(mkdir("/a"), WriteLane.BACKGROUND);
    var next = batcher.submit(mkdir("/c"), WriteLane.INTERACTIVE);
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    assertThat(sent.get(0).entry().getBatch().getRequestsList()).extracting(r -> r.getMkdir().getPath())
        .containsExactly("/a", "/c");
    answer(sent.get(0));
    assertThat(next).isCompleted();
  }
}
