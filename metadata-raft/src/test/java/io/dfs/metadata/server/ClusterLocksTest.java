package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.LockConflictException;
import io.dfs.client.error.LockDeadlockException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.metadata.leases.LeaseManager;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.FileLock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Advisory locks held by three real peers for clients with sessions of their own: a conflict is
 * refused at once or waited out (the leader holds the waiting call and grants it once the lock in
 * its way goes), a closing client's locks go with it, a silent client's after the lock lease, and
 * every lock survives the loss of the leader.
 */
class ClusterLocksTest {
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

  private static long file(MetadataClient client, String path) throws Exception {
    return client.create(CreateFileRequest.newBuilder().setPath(path).setReplication(1).build()).getInodeId();
  }

  private static LockRequest posix(String path, long inode, long owner, LockType type, long start, long end) {
    return LockRequest.newBuilder().setPath(path).setInodeId(inode).setKind(LockKind.POSIX_LOCK).setType(type)
        .setStart(start).setEnd(end).setOwner(owner).setPid(4000 + (int) owner).build();
  }

  private static LockRequest flock(String path, long inode, long owner, LockType type) {
    return LockRequest.newBuilder().setPath(path).setInodeId(inode).setKind(LockKind.FLOCK).setType(type)
        .setOwner(owner).setPid(5000).build();
  }

  @Test
  void aConflictingLockIsRefusedOrWaitedOutAndTheWaiterGetsItAsSoonAsItIsReleased() throws Exception {
    try (MetadataClient a = cluster.newClient("lock-a"); MetadataClient b = cluster.newClient("lock-b")) {
      long f = file(a, "/locked");
      a.locks().lock(posix("/locked", f, 1, LockType.EXCLUSIVE, 0, 100));

      assertThatThrownBy(() -> b.locks().lock(posix("/locked", f, 1, LockType.SHARED, 50, 60)))
          .isInstanceOf(LockConflictException.class);
      FileLock inTheWay = b.locks().inTheWay(posix("/locked", f, 1, LockType.SHARED, 50, 60)).orElseThrow();
      assertThat(inTheWay.getPid()).isEqualTo(4001);
      assertThat(inTheWay.getEnd()).isEqualTo(100);
      // past the locked range there is nothing in the way
      assertThat(b.locks().inTheWay(posix("/locked", f, 1, LockType.EXCLUSIVE, 100, 0))).isEmpty();

      CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
        try {
          b.locks().lock(posix("/locked", f, 1, LockType.EXCLUSIVE, 0, 0).toBuilder().setWait(true).build());
          return System.nanoTime();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(4_000); // longer than the leader holds one waiting call: the client asks again
      assertThat(waited).isNotDone();
      // held by the leader, not polled: one ask, and another after the first was held 3 s
      assertThat(b.metrics().meter("client.lock_wait_asks").getCount()).isBetween(1L, 2L);
      long released = System.nanoTime();
      a.locks().lock(posix("/locked", f, 1, LockType.UNLOCK, 0, 0));
      long grantedAfterMs = TimeUnit.NANOSECONDS.toMillis(waited.get(10, TimeUnit.SECONDS) - released);
      assertThat(grantedAfterMs).isLessThan(1_000);
      assertThatThrownBy(() -> a.locks().lock(posix("/locked", f, 1, LockType.SHARED, 0, 1)))
          .isInstanceOf(LockConflictException.class);
    }
  }

  @Test
  void aWaitThatWouldCloseACircleOfWaitersIsADeadlockAndTheOtherWaitGoesOn() throws Exception {
    try (MetadataClient a = cluster.newClient("circle-a"); MetadataClient b = cluster.newClient("circle-b")) {
      long f = file(a, "/circle");
      a.locks().lock(posix("/circle", f, 1, LockType.EXCLUSIVE, 0, 10));
      b.locks().lock(posix("/circle", f, 1, LockType.EXCLUSIVE, 10, 20));
      // each waits for the other's range: whichever closes the circle is refused, as on Linux
      CompletableFuture<Exception> aWaits = waitFor(a, posix("/circle", f, 1, LockType.EXCLUSIVE, 10, 20));
      await().atMost(Duration.ofSeconds(10)).until(() -> a.metrics().meter("client.lock_wait_asks").getCount() > 0);
      Thread.sleep(300); // for a's call to reach the leader
      CompletableFuture<Exception> bWaits = waitFor(b, posix("/circle", f, 1, LockType.EXCLUSIVE, 0, 10));
      // one is refused at once; without the check the two would wait for each other for ever
      Exception refused = (Exception) CompletableFuture.anyOf(aWaits, bWaits).get(5, TimeUnit.SECONDS);
      assertThat(refused).isInstanceOf(LockDeadlockException.class);
      MetadataClient loser = aWaits.isDone() ? a : b;
      CompletableFuture<Exception> other = aWaits.isDone() ? bWaits : aWaits;
      assertThat(other).isNotDone();
      loser.locks().lock(posix("/circle", f, 1, LockType.UNLOCK, 0, 0));
      assertThat(other.get(10, TimeUnit.SECONDS)).as("the other wait is granted").isNull();
    }
  }

  /** {@code client} waits for the lock in the background: null once granted, else what ended the wait. */
  private static CompletableFuture<Exception> waitFor(MetadataClient client, LockRequest lock) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        client.locks().lock(lock.toBuilder().setWait(true).build());
        return null;
      } catch (Exception e) {
        return e;
      }
    });
  }


  @Test
  void aClosingClientsLocksGoWithIt() throws Exception {
    try (MetadataClient b = cluster.newClient("close-b")) {
      long f;
      try (MetadataClient a = cluster.newClient("close-a")) {
        f = file(a, "/closing");
        a.locks().lock(flock("/closing", f, 7, LockType.EXCLUSIVE));
        assertThatThrownBy(() -> b.locks().lock(flock("/closing", f, 7, LockType.SHARED)))
            .isInstanceOf(LockConflictException.class);
      }
      b.locks().lock(flock("/closing", f, 7, LockType.SHARED));
      assertThat(b.locks().holdsAny()).isTrue();
    }
  }

  @Test
  void aSilentClientsLocksAreReleasedAfterTheLockLease() throws Exception {
    try (MetadataClient silent = cluster.newClient("silent-locker"); MetadataClient b = cluster.newClient("waiter")) {
      long f = file(silent, "/abandoned-lock");
      silent.locks().lock(posix("/abandoned-lock", f, 1, LockType.EXCLUSIVE, 0, 0));
      silent.leases().close(); // no more renewals: to the leader it may as well have died
      long started = System.nanoTime();
      b.locks().lock(posix("/abandoned-lock", f, 2, LockType.EXCLUSIVE, 0, 0).toBuilder().setWait(true).build());
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(waitedMs).isBetween(LeaseManager.LOCK_LEASE_MS - 2_000, LeaseManager.LOCK_LEASE_MS + 6_000);
    }
  }

  @Test
  void locksSurviveTheLossOfTheLeader() throws Exception {
    try (MetadataClient a = cluster.newClient("failover-a"); MetadataClient b = cluster.newClient("failover-b")) {
      long f = file(a, "/kept");
      a.locks().lock(posix("/kept", f, 1, LockType.EXCLUSIVE, 10, 20));
      String leader = cluster.leaderId();
      cluster.stopPeer(leader);
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> !cluster.leaderId().equals(leader));
        assertThatThrownBy(() -> b.locks().lock(posix("/kept", f, 1, LockType.SHARED, 15, 16)))
            .isInstanceOf(LockConflictException.class);
        b.locks().lock(posix("/kept", f, 1, LockType.SHARED, 20, 30)); // next to it is free
        a.locks().lock(posix("/kept", f, 1, LockType.UNLOCK, 0, 0));
        b.locks().lock(posix("/kept", f, 1, LockType.EXCLUSIVE, 0, 0));
      } finally {
        cluster.restartPeer(leader);
      }
    }
  }
}
