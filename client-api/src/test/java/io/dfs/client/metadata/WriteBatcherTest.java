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
  void nothingOvertakesAnEntryCarryingBackgroundWrites() {
    // a directory made without waiting (the background lane), then a write that depends on it
    var made = batcher.submit(mkdir("/d"), WriteLane.BACKGROUND);
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    var after = batcher.submit(mkdir("/d/e"), WriteLane.INTERACTIVE);
    // were both out at once, a leader change could apply the second first (its retry landing first)
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    answer(sent.get(0));
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
    assertThat(sent.get(1).entry().getMkdir().getPath()).isEqualTo("/d/e");
    answer(sent.get(1));
    assertThat(made).isCompleted();
    assertThat(after).isCompleted();
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
  void backgroundWritesRideWithTheNextInteractiveEntryOnceNothingIsOut() {
    var first = batcher.submit(mkdir("/a"), WriteLane.INTERACTIVE);
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    batcher.submit(mkdir("/a/b"), WriteLane.BACKGROUND);
    batcher.submit(mkdir("/c"), WriteLane.INTERACTIVE);
    // the background write waits for the entry out, then goes first in the next one
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 1);
    answer(sent.get(0));
    await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
    assertThat(sent.get(1).entry().getBatch().getRequestsList()).extracting(r -> r.getMkdir().getPath())
        .containsExactly("/a/b", "/c");
    answer(sent.get(1));
    assertThat(first).isCompleted();
  }
}
