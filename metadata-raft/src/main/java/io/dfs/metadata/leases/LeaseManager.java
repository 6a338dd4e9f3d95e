package io.dfs.metadata.leases;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Writers' leases, as the leader sees them: when each client last showed it is alive (any write
 * it sent, or an explicit renewal). Leader soft state like HDFS's LeaseManager: a new leader
 * starts every lease afresh, so a writer gets a full hard limit to reach it after a failover.
 * Its monitor is a leaf lock; it never calls out.
 */
public final class LeaseManager {
  private final Clock clock;
  private final long hardLimitMs;
  private final Map<String, Long> renewed = new HashMap<>();
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
    leaderSinceMs = clock.millis();
  }

  public synchronized void renew(String clientId) {
    if (clientId != null && !clientId.isEmpty()) {
      renewed.put(clientId, clock.millis());
    }
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
