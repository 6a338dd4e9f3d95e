package io.dfs.client.metadata;

/** How fresh a metadata read must be. */
public enum ReadConsistency {
  /** Sees every write that completed before the read started (Raft ReadIndex on the leader). */
  LINEARIZABLE,
  /** Served by any peer from what it has applied; may miss recent writes, never blocks on the leader. */
  STALE
}
