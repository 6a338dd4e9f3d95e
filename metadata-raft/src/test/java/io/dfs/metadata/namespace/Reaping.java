package io.dfs.metadata.namespace;

/** What the leader does after the grace period, for tests of the namespace alone. */
final class Reaping {
  private Reaping() {}

  /** Reaps every unlinked file nobody holds open, however recently unlinked. */
  static void reapUnlinked(Namespace ns) {
    ns.reap(ns.reapable(Long.MAX_VALUE, Integer.MAX_VALUE));
  }
}
