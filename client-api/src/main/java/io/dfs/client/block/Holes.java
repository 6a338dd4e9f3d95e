package io.dfs.client.block;

import io.dfs.proto.BlockInfo;

/**
 * Holes in a file's block list: runs of zeros stored nowhere (block id 0), which is what growing a
 * file with truncate adds. A hole costs one list entry however long it is, so {@code truncate -s
 * 1T} is a metadata change instead of a terabyte of zeros written three times.
 */
public final class Holes {
  private Holes() {}

  public static boolean isHole(BlockInfo block) {
    return block.getBlockId() == 0;
  }

  public static BlockInfo of(long length) {
    return BlockInfo.newBuilder().setBlockId(0).setLength(length).build();
  }
}
