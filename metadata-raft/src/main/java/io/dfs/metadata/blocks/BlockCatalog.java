package io.dfs.metadata.blocks;

import io.dfs.proto.BlockInfo;
import java.util.function.Consumer;

/** What block management may ask of the namespace: which blocks should exist, and how many copies. */
public interface BlockCatalog {

  /** A block some file references, with the replication its file wants. */
  record ExpectedBlock(BlockInfo block, int replication, boolean underConstruction) {}

  /** The expected state of a block, or null when no file references it (an orphan). */
  ExpectedBlock expected(long blockId);

  /** Visits every block of every complete file. */
  void forEachCompleteBlock(Consumer<ExpectedBlock> visitor);
}
