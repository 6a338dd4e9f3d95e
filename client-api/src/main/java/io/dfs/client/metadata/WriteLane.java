package io.dfs.client.metadata;

/**
 * Which way a metadata write goes through the client's group commit ({@link WriteBatcher}).
 *
 * <p>{@link #INTERACTIVE}: someone waits for it (a create, a mkdir, a rename): it goes at once.
 * {@link #BACKGROUND}: nobody's next step waits for it (the mount's write-behind completions): it
 * rides with the client's next interactive entry, or goes with the other background writes after
 * a few milliseconds, so a stream of them costs a fraction of a consensus round each.
 * {@link #BACKGROUND_BARRIER}: a background write that later background writes depend on (a
 * directory made without waiting, and the creates in it): until it is answered, no background
 * write goes in another entry, which a retry across a leader change could otherwise apply first.
 */
public enum WriteLane {
  INTERACTIVE,
  BACKGROUND,
  BACKGROUND_BARRIER
}
