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
  /** Delegated directories, and their forced returns proposed. */
  private final Holds<Long> delegated = new Holds<>();
  /** Sessions holding locks, and the releases of their locks proposed. */
  private final Holds<String> locking = new Holds<>();
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
    delegated.clear();
    locking.clear();
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
    long heard = Math.max(Math.max(sessionRenewed.getOrDefault(holder, 0L), leaderSinceMs),
        recalled.getOrDefault(dirId, 0L));
    return delegated.lapsed(dirId, heard, clock.millis(), DELEGATION_LEASE_MS);
  }

  public synchronized void takeBackProposed(long dirId) {
    delegated.proposed(dirId, clock.millis());
  }

  /** The directories delegated now: new ones start their lease, the others' recalls are forgotten. */
  public synchronized void delegatedNow(Set<Long> directories) {
    delegated.heldNow(directories, clock.millis());
    recalled.keySet().retainAll(directories);
  }

  /** The sessions holding locks now: new ones start their lease, the others are forgotten. */
  public synchronized void lockingNow(Set<String> holders) {
    locking.heldNow(holders, clock.millis());
  }

  /**
   * True when the session was silent for {@link #LOCK_LEASE_MS} (since its last renewal, since it
   * first held a lock as this leader saw it, and since this peer became leader) and no release of
   * its locks is in flight: the leader should release them.
   */
  public synchronized boolean shouldReleaseLocks(String session) {
    long heard = Math.max(sessionRenewed.getOrDefault(session, 0L), leaderSinceMs);
    return locking.lapsed(session, heard, clock.millis(), LOCK_LEASE_MS);
  }

  public synchronized void lockReleaseProposed(String session) {
    locking.proposed(session, clock.millis());
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

  /**
   * What sessions hold under a lease (delegated directories, sessions' locks): since when this
   * leader knows each held, and when its taking back was proposed, so it is not proposed twice
   * before it is applied. Guarded by the LeaseManager's monitor.
   */
  private static final class Holds<K> {
    private final Map<K, Long> since = new HashMap<>();
    private final Map<K, Long> proposed = new HashMap<>();

    /** The keys held now: new ones start their lease, the others are forgotten. */
    void heldNow(Set<K> keys, long now) {
      keys.forEach(k -> since.putIfAbsent(k, now));
      since.keySet().retainAll(keys);
      proposed.keySet().retainAll(keys);
    }

    /**
     * True when nothing was heard for {@code leaseMs} since {@code heardMs} nor since the key was
     * first seen held, and no taking back of it is in flight (one older than a lease is retried).
     */
    boolean lapsed(K key, long heardMs, long now, long leaseMs) {
      long last = Math.max(heardMs, since.getOrDefault(key, now));
      Long taking = proposed.get(key);
      return now - last > leaseMs && (taking == null || now - taking > leaseMs);
    }

    void proposed(K key, long now) {
      proposed.put(key, now);
    }

    void clear() {
      since.clear();
      proposed.clear();
    }
  }
}
