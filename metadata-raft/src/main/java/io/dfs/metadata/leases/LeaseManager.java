package io.dfs.metadata.leases;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writers' leases and directory delegations' recalls, as the leader sees them: when each client
 * (and each client session holding a delegation) last showed it is alive (any write it sent, or an
 * explicit renewal), and which delegated directories other clients wait for. Leader soft state like
 * HDFS's LeaseManager: a new leader starts every lease afresh, so a writer gets a full hard limit to
 * reach it after a failover. Its monitor is a leaf lock; it never calls out.
 */
public final class LeaseManager {
  private final Clock clock;
  private final long hardLimitMs;
  /**
   * How long a session holding a delegated directory may stay silent before the leader takes the
   * directory back from it (a live holder renews twice a second; a dead one's directories would
   * otherwise stay closed to everyone else). Its holder stops using a delegation after half of it
   * without a renewal (DirectoryDelegations), so the two never overlap while clocks run at about
   * the same rate.
   */
  public static final long DELEGATION_LEASE_MS = 5_000;

  /**
   * How long a session holding locks may stay silent before the leader releases them (a live
   * holder renews every second while it holds any). Longer than a delegation's lease: a holder
   * cannot stop using a lock the way it stops using a delegation, so this is the time a mount cut
   * off from the leader (or paused) keeps its locks before others may take them.
   */
  public static final long LOCK_LEASE_MS = 10_000;

  private final Map<String, Long> renewed = new HashMap<>();
  private final Map<String, Long> sessionRenewed = new HashMap<>();
  /** Delegated directories another client waits for: since when. */
  private final Map<Long, Long> recalled = new HashMap<>();
  /** Delegated directories: since when this leader knows them delegated. */
  private final Map<Long, Long> delegatedSince = new HashMap<>();
  /** Sessions holding locks: since when this leader knows them as holders. */
  private final Map<String, Long> lockingSince = new HashMap<>();
  /** Releases of a silent session's locks proposed and not yet applied. */
  private final Map<String, Long> releasing = new HashMap<>();
  /** Forced returns proposed and not yet applied. */
  private final Map<Long, Long> returning = new HashMap<>();
  /** Recoveries proposed and not yet applied, so the monitor does not propose them twice. */
  private final Map<String, Long> recovering = new HashMap<>();
  private long leaderSinceMs;

  public LeaseManager(Clock clock, long hardLimitMs) {
    this.clock = clock;
    this.hardLimitMs = hardLimitMs;
    this.leaderSinceMs = clock.millis();
  }

  public synchronized void becameLeader() {
    renewed.clear();
    recovering.clear();
    sessionRenewed.clear();
    recalled.clear();
    returning.clear();
    delegatedSince.clear();
    lockingSince.clear();
    releasing.clear();
    leaderSinceMs = clock.millis();
  }

  public synchronized void renew(String clientId) {
    if (clientId != null && !clientId.isEmpty()) {
      renewed.put(clientId, clock.millis());
    }
  }

  /** A client session renewed its delegations. */
  public synchronized void renewSession(String session) {
    sessionRenewed.put(session, clock.millis());
  }

  /** Another client waits for the delegated directory. */
  public synchronized void recall(long dirId) {
    recalled.putIfAbsent(dirId, clock.millis());
  }

  /** Of the directories a session holds, those another client waits for. */
  public synchronized List<Long> recalledAmong(Collection<Long> held) {
    return held.stream().filter(recalled::containsKey).toList();
  }

  /**
   * True when the directory's holder was silent for {@link #DELEGATION_LEASE_MS} and no forced
   * return of it is in flight: the leader should take it back. Silent since the grant at least
   * (as this leader first saw it), and since a recall: a holder gets a full lease to hear of it.
   */
  public synchronized boolean shouldTakeBack(long dirId, String holder) {
    long now = clock.millis();
    long last = Math.max(Math.max(sessionRenewed.getOrDefault(holder, 0L), leaderSinceMs),
        Math.max(delegatedSince.getOrDefault(dirId, now), recalled.getOrDefault(dirId, 0L)));
    Long proposed = returning.get(dirId);
    return now - last > DELEGATION_LEASE_MS
        && (proposed == null || now - proposed > DELEGATION_LEASE_MS);
  }

  public synchronized void takeBackProposed(long dirId) {
    returning.put(dirId, clock.millis());
  }

  /** The directories delegated now: new ones start their lease, the others' recalls are forgotten. */
  public synchronized void delegatedNow(Set<Long> delegated) {
    long now = clock.millis();
    delegated.forEach(dir -> delegatedSince.putIfAbsent(dir, now));
    delegatedSince.keySet().retainAll(delegated);
    recalled.keySet().retainAll(delegated);
    returning.keySet().retainAll(delegated);
  }

  /** The sessions holding locks now: new ones start their lease, the others are forgotten. */
  public synchronized void lockingNow(Set<String> holders) {
    long now = clock.millis();
    holders.forEach(s -> lockingSince.putIfAbsent(s, now));
    lockingSince.keySet().retainAll(holders);
    releasing.keySet().retainAll(holders);
  }

  /**
   * True when the session was silent for {@link #LOCK_LEASE_MS} (since its last renewal, since it
   * first held a lock as this leader saw it, and since this peer became leader) and no release of
   * its locks is in flight: the leader should release them.
   */
  public synchronized boolean shouldReleaseLocks(String session) {
    long now = clock.millis();
    long last = Math.max(Math.max(sessionRenewed.getOrDefault(session, 0L), leaderSinceMs),
        lockingSince.getOrDefault(session, now));
    Long proposed = releasing.get(session);
    return now - last > LOCK_LEASE_MS && (proposed == null || now - proposed > LOCK_LEASE_MS);
  }

  public synchronized void lockReleaseProposed(String session) {
    releasing.put(session, clock.millis());
  }

  /** True when the writer's hard limit passed, and no recovery of {@code path} is in flight. */
  public synchronized boolean shouldRecover(String clientId, String path) {
    long now = clock.millis();
    long last = Math.max(renewed.getOrDefault(clientId, 0L), leaderSinceMs);
    Long proposed = recovering.get(path);
    return now - last > hardLimitMs && (proposed == null || now - proposed > hardLimitMs);
  }

  public synchronized void recoveryProposed(String path) {
    recovering.put(path, clock.millis());
  }

  public synchronized void recoveryDone(String path) {
    recovering.remove(path);
  }

  public long hardLimitMs() {
    return hardLimitMs;
  }
}
