package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.DirectoryNotEmptyException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.NameTooLongException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.metadata.ReadConsistency;
import io.dfs.client.metadata.WriteLane;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.metadata.testing.ProtocolNode;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.SetPermissionRequest;
import io.dfs.proto.SetReplicationRequest;
import io.dfs.proto.SetTimesRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every namespace operation and its errors, through the real client against three real peers. */
class MetadataClientOperationsTest {
  @TempDir static Path dir;
  static MetadataTestCluster cluster;
  static MetadataClient client;
  static ProtocolNode node;

  @BeforeAll
  static void start() throws Exception {
    cluster = MetadataTestCluster.start(dir, 3);
    client = cluster.newClient("ops-test");
    node = new ProtocolNode(cluster, "n1"); // blocks need a node to be placed on
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    client.close();
    cluster.close();
  }

  static FileStatus mkdir(String path, boolean parents) throws Exception {
    return client.mkdir(MkdirRequest.newBuilder().setPath(path).setParents(parents).build());
  }

  static FileStatus writeFile(String path, long... blockLengths) throws Exception {
    client.create(CreateFileRequest.newBuilder().setPath(path).setReplication(1).build());
    BlockInfo previous = null;
    for (long len : blockLengths) {
      AddBlockRequest.Builder add = AddBlockRequest.newBuilder().setPath(path);
      if (previous != null) {
        add.setPrevious(previous);
      }
      LocatedBlock b = client.addBlock(add.build());
      previous = b.getBlock().toBuilder().setLength(len).build();
    }
    CompleteFileRequest.Builder complete = CompleteFileRequest.newBuilder().setPath(path);
    if (previous != null) {
      complete.setLast(previous);
    }
    return client.complete(complete.build());
  }

  @Test
  void directoriesAndFiles() throws Exception {
    mkdir("/ops/a/b", true);
    FileStatus f = writeFile("/ops/a/b/file", 100, 23);
    assertThat(f.getLength()).isEqualTo(123);
    assertThat(f.getType()).isEqualTo(FileType.REGULAR_FILE);
    assertThat(client.stat("/ops/a/b/file").getLength()).isEqualTo(123);
    assertThat(client.getBlockLocations("/ops/a/b/file", 0, 0).getBlocksList())
        .extracting(b -> b.getOffset()).containsExactly(0L, 100L);
    assertThat(client.list("/ops/a/b", "", 0).getEntriesList()).extracting(FileStatus::getPath)
        .containsExactly("/ops/a/b/file");
    assertThat(client.stat("/ops/a").getType()).isEqualTo(FileType.DIRECTORY);
  }

  @Test
  void errorsArePreciseExceptions() throws Exception {
    mkdir("/err", false);
    writeFile("/err/f", 1);
    assertThatThrownBy(() -> mkdir("/err", false)).isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> mkdir("/nope/x", false)).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> mkdir("/err/f/x", true)).isInstanceOf(NotADirectoryException.class);
    assertThatThrownBy(() -> mkdir("/err/../x", true)).isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> mkdir("relative", true)).isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> mkdir("/" + "n".repeat(300), true)).isInstanceOf(NameTooLongException.class);
    assertThatThrownBy(() -> client.stat("/err/missing")).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> client.getBlockLocations("/err", 0, 0)).isInstanceOf(IsADirectoryException.class);
    assertThatThrownBy(() -> client.delete("/err", false)).isInstanceOf(DirectoryNotEmptyException.class);
    assertThatThrownBy(() -> client.create(CreateFileRequest.newBuilder().setPath("/err/f").build()))
        .isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> client.rename(RenameRequest.newBuilder().setSource("/err").setDestination("/err/inside").build()))
        .isInstanceOf(InvalidPathException.class);
    // a failed write changed nothing
    assertThat(client.stat("/err/f").getLength()).isEqualTo(1);
  }

  @Test
  void renameDeleteAndAttributes() throws Exception {
    mkdir("/mv/src/deep", true);
    writeFile("/mv/src/deep/f", 5);
    client.rename(RenameRequest.newBuilder().setSource("/mv/src").setDestination("/mv/dst").build());
    assertThat(client.stat("/mv/dst/deep/f").getLength()).isEqualTo(5);
    assertThatThrownBy(() -> client.stat("/mv/src")).isInstanceOf(PathNotFoundException.class);

    client.setTimes(SetTimesRequest.newBuilder().setPath("/mv/dst/deep/f").setMtimeMs(1234).setAtimeMs(-1).build());
    client.setPermission(SetPermissionRequest.newBuilder().setPath("/mv/dst/deep/f").setMode(0600).setOwner("carol").build());
    client.setReplication(SetReplicationRequest.newBuilder().setPath("/mv/dst/deep/f").setReplication(2).build());
    FileStatus st = client.stat("/mv/dst/deep/f");
    assertThat(st.getMtimeMs()).isEqualTo(1234);
    assertThat(st.getMode()).isEqualTo(0600);
    assertThat(st.getOwner()).isEqualTo("carol");
    assertThat(st.getReplication()).isEqualTo(2);

    client.delete("/mv", true);
    assertThatThrownBy(() -> client.stat("/mv")).isInstanceOf(PathNotFoundException.class);
  }

  @Test
  void aLoneWriteCostsOneLogEntry() throws Exception {
    mkdir("/lone", false);
    long before = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex();
    for (int i = 0; i < 10; i++) {
      mkdir("/lone/d" + i, false);
    }
    long entries = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex() - before;
    // Ratis' commit-index entries would make it 20: each doubles the entries replicated and fsync'd
    assertThat(entries).as("Raft entries for 10 sequential writes").isEqualTo(10);
  }

  @Test
  void backgroundWritesRideWithTheNextInteractiveWriteAndAreAppliedBeforeIt() throws Exception {
    mkdir("/ride", false);
    long before = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex();
    int pairs = 20;
    for (int i = 0; i < pairs; i++) {
      var behind = client.writeAsync(io.dfs.proto.MetaRequest.newBuilder()
          .setMkdir(MkdirRequest.newBuilder().setPath("/ride/d" + i)).build(), WriteLane.BACKGROUND);
      mkdir("/ride/d" + i + "/child", false); // needs the background mkdir applied first
      behind.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }
    long entries = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex() - before;
    // one shared entry per pair; a few pairs may miss each other on a busy machine
    assertThat(entries).as("Raft entries for " + pairs + " background + interactive pairs").isLessThan(pairs + 5);
  }

  @Test
  void aLoneBackgroundWriteGoesWithinItsLinger() throws Exception {
    long started = System.nanoTime();
    client.write(io.dfs.proto.MetaRequest.newBuilder()
        .setMkdir(MkdirRequest.newBuilder().setPath("/alone")).build(), WriteLane.BACKGROUND);
    assertThat(client.stat("/alone").getType()).isEqualTo(io.dfs.proto.FileType.DIRECTORY);
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
  }

  @Test
  void concurrentWritesShareLogEntriesYetEachGetsItsOwnResult() throws Exception {
    mkdir("/batch", false);
    long before = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex();
    java.util.List<java.util.concurrent.CompletableFuture<io.dfs.proto.MetaResponse>> results = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // every tenth one repeats an earlier name and must fail alone
      String name = i % 10 == 9 ? "/batch/d" + (i - 1) : "/batch/d" + i;
      results.add(client.writeAsync(io.dfs.proto.MetaRequest.newBuilder()
          .setMkdir(MkdirRequest.newBuilder().setPath(name)).build()));
    }
    int ok = 0;
    int exists = 0;
    for (var r : results) {
      try {
        r.join();
        ok++;
      } catch (java.util.concurrent.CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(PathExistsException.class);
        exists++;
      }
    }
    assertThat(ok).isEqualTo(360);
    assertThat(exists).isEqualTo(40);
    assertThat(client.list("/batch", "", 0).getEntriesCount()).isEqualTo(360);
    long entries = cluster.peer(cluster.leaderId()).division().getRaftLog().getLastCommittedIndex() - before;
    assertThat(entries).as("Raft entries for 400 writes").isLessThan(400);
  }

  @Test
  void blockingWritesOfManyThreadsShareEntriesAndEachGetsItsOwnAnswer() throws Exception {
    client.mkdir(MkdirRequest.newBuilder().setPath("/grouped").build());
    var leaderMetrics = cluster.peer(cluster.leaderId()).metrics();
    long before = appliedEntries(leaderMetrics);
    int threads = 16; // more writers than the client keeps entries in flight (8): the rest share entries
    int each = 20;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            String path = "/grouped/t" + thread + "-" + i;
            // writes that belong together (a batch of their own) are spliced into shared entries
            var answer = client.write(io.dfs.proto.MetaRequest.newBuilder().setBatch(io.dfs.proto.MetaBatch.newBuilder()
                .addRequests(io.dfs.proto.MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath(path)))
                .addRequests(io.dfs.proto.MetaRequest.newBuilder().setSetTimes(SetTimesRequest.newBuilder()
                    .setPath(path).setMtimeMs(1000L * thread + i).setAtimeMs(-1)))).build());
            assertThat(answer.getBatch().getResponsesList()).hasSize(2);
            assertThat(answer.getBatch().getResponses(1).getStatus().getPath()).isEqualTo(path);
            assertThat(answer.getBatch().getResponses(1).getStatus().getMtimeMs()).isEqualTo(1000L * thread + i);
          }
          return null;
        }));
      }
      for (var f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(client.list("/grouped", "", 0).getEntriesCount()).isEqualTo(threads * each);
    // each call is itself a batch of two writes: without group commit that is one entry per call
    long entries = appliedEntries(leaderMetrics) - before;
    assertThat(entries).as("namespace entries for %d blocking calls from %d threads", threads * each, threads)
        .isLessThan(threads * each);
  }

  /** Raft entries the namespace applied (one timer per kind of entry). */
  private static long appliedEntries(com.codahale.metrics.MetricRegistry metrics) {
    return metrics.getTimers((name, m) -> name.startsWith("namespace.apply.")).values().stream()
        .mapToLong(com.codahale.metrics.Timer::getCount).sum();
  }

  @Test
  void timesComeFromTheLeaderAndAreTheSameOnEveryPeer() throws Exception {
    long before = System.currentTimeMillis();
    FileStatus st = mkdir("/timed", false);
    assertThat(st.getMtimeMs()).isBetween(before - 5_000, System.currentTimeMillis() + 5_000);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.runningPeers().stream()
        .map(cluster::stateDigest).distinct().count() == 1);
  }

  @Test
  void staleReadsEventuallySeeWritesAndLinearizableReadsAlwaysDo() throws Exception {
    try (MetadataClient other = cluster.newClient("reader")) {
      mkdir("/fresh", false);
      assertThat(other.stat("/fresh", ReadConsistency.LINEARIZABLE).getType()).isEqualTo(FileType.DIRECTORY);
      // a follower applies an entry once it hears the new commit index (the next append or
      // heartbeat): until then its stale read may not find the directory at all
      await().atMost(Duration.ofSeconds(30)).ignoreException(PathNotFoundException.class)
          .untilAsserted(() -> assertThat(other.stat("/fresh", ReadConsistency.STALE).getPath()).isEqualTo("/fresh"));
    }
  }
}
