package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.metadata.DirectoryDelegations;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.metadata.WriteLane;
import io.dfs.metadata.leases.LeaseManager;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.DelegateRequest;
import io.dfs.proto.DelegationGrant;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MkdirRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory delegations on three real peers: the holder creates without waiting, another client's
 * change waits for the directory to come back (recalled from a live holder, taken from a silent
 * one), and nothing ever lets two clients both create one name exclusively.
 */
class DirectoryDelegationTest {
  @TempDir static Path dir;
  static MetadataTestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = MetadataTestCluster.start(dir, 3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  /** {@code maker} makes the directory; {@code holder} holds it and never renews: it may as well have died. */
  private static DelegationGrant heldWithoutRenewals(MetadataClient holder, MetadataClient maker, String dir)
      throws Exception {
    maker.mkdir(MkdirRequest.newBuilder().setPath(dir).build());
    return holder.write(MetaRequest.newBuilder().setDelegate(DelegateRequest.newBuilder().setPath(dir)).build())
        .getDelegation();
  }

  private static CreateFileRequest create(String path) {
    return CreateFileRequest.newBuilder().setPath(path).setReplication(1).build();
  }

  @Test
  void theHolderCreatesWithItsOwnIdsAndAnotherClientWaitsForTheRecall() throws Exception {
    try (MetadataClient holder = cluster.newClient("holder"); MetadataClient other = cluster.newClient("other")) {
      holder.delegations().enable();
      var made = holder.write(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath("/held")
          .setDelegate(true)).build());
      assertThat(made.hasDelegation()).isTrue();
      assertThat(holder.delegations().holds("/held")).isTrue();

      DirectoryDelegations.Claim claim = holder.delegations().claim("/held/a");
      assertThat(claim).isNotNull();
      var created = holder.createAsync(create("/held/a").toBuilder().setInodeId(claim.inodeId()).build());
      holder.delegations().sent(claim, created);
      assertThat(created.get().getStatus().getInodeId()).isEqualTo(claim.inodeId());
      // the holder knows the name is taken without asking anyone
      assertThatThrownBy(() -> holder.delegations().claim("/held/a")).isInstanceOf(PathExistsException.class);

      // another client's create waits until the holder gives the directory back, then succeeds
      long started = System.nanoTime();
      other.create(create("/held/b"));
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(waitedMs).isLessThan(3 * DirectoryDelegations.RENEW_EVERY_MS + 2_000);
      assertThat(holder.delegations().holds("/held")).isFalse();
      assertThat(holder.delegations().claim("/held/c")).isNull(); // the ordinary way from now on
      // and an exclusive create of a name the holder made fails for the other client
      assertThatThrownBy(() -> other.create(create("/held/a"))).isInstanceOf(PathExistsException.class);
    }
  }

  @Test
  void aDirectoryMadeWithoutWaitingIsTheHoldersFromTheStartAndTheSessionsIdsLast() throws Exception {
    try (MetadataClient holder = cluster.newClient("tree"); MetadataClient other = cluster.newClient("tree-other")) {
      holder.delegations().enable();
      holder.write(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath("/tree").setDelegate(true))
          .build());
      DirectoryDelegations.Claim sub = holder.delegations().claim("/tree/sub");
      var mkdir = holder.writeAsync(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath("/tree/sub")
          .setDelegate(true).setInodeId(sub.inodeId())).build(), WriteLane.BACKGROUND);
      holder.delegations().sentMkdir(sub, "/tree/sub", mkdir);
      assertThat(holder.delegations().holds("/tree/sub")).isTrue();

      // more files than one grant has ids for, each sent without waiting for anything
      int files = 1_100;
      Map<String, Long> chosen = new HashMap<>();
      List<CompletableFuture<?>> creates = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        String path = "/tree/sub/f" + i;
        AtomicReference<DirectoryDelegations.Claim> claim = new AtomicReference<>();
        // ids run short only while the ask for more is answered
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5)).until(() -> {
          claim.set(holder.delegations().claim(path));
          return claim.get() != null;
        });
        var created = holder.createAsync(create(path).toBuilder().setInodeId(claim.get().inodeId()).build());
        holder.delegations().sent(claim.get(), created);
        creates.add(created);
        chosen.put(path, claim.get().inodeId());
      }
      CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(mkdir.get().getStatus().getInodeId()).isEqualTo(sub.inodeId());
      assertThat(new HashSet<>(chosen.values())).hasSize(files);
      for (String path : List.of("/tree/sub/f0", "/tree/sub/f700", "/tree/sub/f" + (files - 1))) {
        assertThat(holder.stat(path).getInodeId()).isEqualTo(chosen.get(path));
      }

      // the leader granted the new directory with the mkdir: another client's create there waits for it
      other.create(create("/tree/sub/theirs"));
      assertThat(other.metrics().meter("client.delegated_waits").getCount()).isPositive();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.runningPeers().stream()
          .map(cluster::stateDigest).distinct()).hasSize(1));
    }
  }

  /**
   * An entry made without waiting keeps the time its client showed for it, so a stat by that
   * client does not see its times jump when the entry lands (pjdfstest saw a ctime change across
   * a refused truncate); a client clock far from the leader's is not believed.
   */
  @Test
  void anEntryMadeWithoutWaitingKeepsTheTimeItsClientShowedWhenTheClockIsClose() throws Exception {
    try (MetadataClient holder = cluster.newClient("shown")) {
      holder.delegations().enable();
      holder.write(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath("/shown").setDelegate(true))
          .build());
      long shown = System.currentTimeMillis() - 400;
      DirectoryDelegations.Claim file = holder.delegations().claim("/shown/f");
      var created = holder.createAsync(create("/shown/f").toBuilder().setInodeId(file.inodeId())
          .setShownTimeMs(shown).build());
      holder.delegations().sent(file, created);
      DirectoryDelegations.Claim dir = holder.delegations().claim("/shown/d");
      var made = holder.writeAsync(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder().setPath("/shown/d")
          .setInodeId(dir.inodeId()).setShownTimeMs(shown)).build(), WriteLane.BACKGROUND);
      holder.delegations().sentMkdir(dir, "/shown/d", made);

      for (var status : List.of(created.get().getStatus(), made.get().getStatus(), holder.stat("/shown/f"))) {
        assertThat(List.of(status.getMtimeMs(), status.getCtimeMs(), status.getAtimeMs()))
            .as(status.getPath()).containsOnly(shown);
      }

      long hourOff = System.currentTimeMillis() - 3_600_000;
      DirectoryDelegations.Claim skewed = holder.delegations().claim("/shown/g");
      var late = holder.createAsync(create("/shown/g").toBuilder().setInodeId(skewed.inodeId())
          .setShownTimeMs(hourOff).build());
      holder.delegations().sent(skewed, late);
      assertThat(late.get().getStatus().getCtimeMs()).isGreaterThan(hourOff + 3_000_000);
    }
  }

  @Test
  void aSilentHoldersDirectoryIsTakenBackAfterItsLease() throws Exception {
    try (MetadataClient silent = cluster.newClient("silent"); MetadataClient other = cluster.newClient("other2")) {
      DelegationGrant grant = heldWithoutRenewals(silent, other, "/abandoned");
      assertThat(grant.getDirId()).isPositive();

      long started = System.nanoTime();
      other.create(create("/abandoned/x"));
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(waitedMs).isBetween(LeaseManager.DELEGATION_LEASE_MS - 1_000, LeaseManager.DELEGATION_LEASE_MS + 10_000);

      // the holder's create in flight after that fails alone: the namespace stays consistent
      var late = silent.createAsync(create("/abandoned/x").toBuilder().setInodeId(grant.getFirstInodeId()).build());
      assertThatThrownBy(late::get).hasCauseInstanceOf(DfsException.class)
          .satisfies(e -> assertThat(((DfsException) e.getCause()).code()).isEqualTo(ErrorCode.DELEGATED));
    }
  }

  @Test
  void aDeadHoldersDirectoryIsTakenBackWithoutAnyoneAsking() throws Exception {
    try (MetadataClient dead = cluster.newClient("dead"); MetadataClient other = cluster.newClient("other5")) {
      DelegationGrant grant = heldWithoutRenewals(dead, other, "/orphaned"); // and nobody else wants it yet
      Thread.sleep(LeaseManager.DELEGATION_LEASE_MS + 3_000);
      // the leader took it back on its own: the first client to come finds it free
      long waits = other.metrics().meter("client.delegated_waits").getCount();
      other.create(create("/orphaned/x"));
      assertThat(other.metrics().meter("client.delegated_waits").getCount()).isEqualTo(waits);
      // and the ids reserved for the dead session went with its last directory
      var late = dead.createAsync(create("/orphaned/y").toBuilder().setInodeId(grant.getFirstInodeId()).build());
      assertThatThrownBy(late::get).hasCauseInstanceOf(DfsException.class)
          .satisfies(e -> assertThat(((DfsException) e.getCause()).code()).isEqualTo(ErrorCode.DELEGATED));
    }
  }

  @Test
  void aChosenInodeIdOutsideTheGrantIsRefused() throws Exception {
    try (MetadataClient holder = cluster.newClient("holder3")) {
      holder.mkdir(MkdirRequest.newBuilder().setPath("/ids").build());
      DelegationGrant grant = holder.write(MetaRequest.newBuilder()
          .setDelegate(DelegateRequest.newBuilder().setPath("/ids")).build()).getDelegation();
      long outside = grant.getFirstInodeId() + grant.getInodeIdCount();
      assertThatThrownBy(() -> holder.create(create("/ids/f").toBuilder().setInodeId(outside).build()))
          .isInstanceOf(DfsException.class)
          .satisfies(e -> assertThat(((DfsException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
      holder.create(create("/ids/f").toBuilder().setInodeId(grant.getFirstInodeId()).build());
      // an id is used once
      assertThatThrownBy(() -> holder.create(create("/ids/g").toBuilder().setInodeId(grant.getFirstInodeId()).build()))
          .isInstanceOf(DfsException.class);
      // every peer applied the same: their states agree
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.runningPeers().stream()
          .map(cluster::stateDigest).distinct()).hasSize(1));
    }
  }

  @Test
  void twoClientsWritingOneDirectoryStopPassingItBackAndForth() throws Exception {
    try (MetadataClient a = cluster.newClient("busy-a"); MetadataClient b = cluster.newClient("busy-b")) {
      a.delegations().enable();
      b.delegations().enable();
      a.mkdir(MkdirRequest.newBuilder().setPath("/shared").build());
      a.create(create("/shared/a1"));
      a.create(create("/shared/a2")); // the second create in a second: a asks for the directory
      await().atMost(Duration.ofSeconds(5)).until(() -> a.delegations().holds("/shared"));

      b.create(create("/shared/b1")); // refused for a's hold, recalled, then applied
      assertThat(b.metrics().meter("client.delegated_waits").getCount()).isPositive();
      assertThat(a.delegations().holds("/shared")).isFalse();
      // each has seen the other there: neither asks for it again, so neither waits for a recall
      long waits = a.metrics().meter("client.delegated_waits").getCount()
          + b.metrics().meter("client.delegated_waits").getCount();
      for (int i = 2; i <= 6; i++) {
        a.create(create("/shared/a" + (i + 1)));
        a.create(create("/shared/a" + (i + 1) + "x"));
        Thread.sleep(100); // room for an ask to be answered
        b.create(create("/shared/b" + i));
        b.create(create("/shared/b" + i + "x"));
        Thread.sleep(100);
      }
      assertThat(a.metrics().meter("client.delegated_waits").getCount()
          + b.metrics().meter("client.delegated_waits").getCount()).isEqualTo(waits);
      assertThat(a.delegations().holds("/shared")).isFalse();
      assertThat(b.delegations().holds("/shared")).isFalse();
    }
  }
}
