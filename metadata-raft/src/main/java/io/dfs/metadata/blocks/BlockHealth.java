package io.dfs.metadata.blocks;

/** Block counts from the replication monitor's latest pass. */
public record BlockHealth(long underReplicated, long corrupt, long missing) {
  public static final BlockHealth EMPTY = new BlockHealth(0, 0, 0);
}
