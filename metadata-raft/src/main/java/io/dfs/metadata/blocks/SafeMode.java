package io.dfs.metadata.blocks;

/**
 * Whether the leader may act on what it knows of replicas yet. A leader starts knowing nothing
 * (soft state of earlier terms is discarded); until the nodes have re-registered and reported, a
 * replica it has not heard of is not a lost replica, so it deletes, trims and re-replicates nothing.
 *
 * @param reportedBlocks complete blocks with at least one reported good replica
 * @param completeBlocks complete blocks the namespace references
 */
public record SafeMode(boolean on, String reason, long reportedBlocks, long completeBlocks) {
  public static final SafeMode NOT_LEADER = new SafeMode(true, "not the leader", 0, 0);
}
