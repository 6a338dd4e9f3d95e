package io.dfs.metadata.namespace;

import io.dfs.proto.BlockInfo;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Every block some file references, as of the last applied entry, readable without the namespace
 * lock: the leader's block service consults it while Raft applies entries, so neither ever waits
 * for the other. Only the {@link Namespace} writes it, on the apply thread; each entry is immutable
 * and replaced whole, so a reader sees a block before or after a change, never half of one.
 */
public final class BlockTable {
  /**
   * What the namespace expects of a block.
   *
   * @param pipeline the nodes the leader chose for the block's current generation (expected
   *     locations until the nodes report it)
   * @param committedMs leader time at which the block's length became final (0 while being written)
   */
  public record Entry(BlockInfo block, long inodeId, int replication, boolean underConstruction,
      List<String> pipeline, long committedMs) {}

  private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

  /** The block as the namespace knows it, or null when no file references it (an orphan). */
  public Entry get(long blockId) {
    return entries.get(blockId);
  }

  /** Weakly consistent view: entries changed during the walk may or may not be seen. */
  public Collection<Entry> entries() {
    return Collections.unmodifiableCollection(entries.values());
  }

  public int size() {
    return entries.size();
  }

  /** Re-records every block of a file after any change to the file or its blocks. */
  void index(Inode file) {
    boolean underConstruction = file.writer != null;
    for (BlockInfo b : file.blocks) {
      if (io.dfs.client.block.Holes.isHole(b)) {
        continue; // stored nowhere: nothing for the block service to place or count
      }
      entries.compute(b.getBlockId(), (id, old) -> new Entry(b, file.id, file.replication, underConstruction,
          old == null ? List.of() : old.pipeline(), old == null ? 0 : old.committedMs()));
    }
  }

  void update(long blockId, UnaryOperator<Entry> change) {
    entries.computeIfPresent(blockId, (id, old) -> change.apply(old));
  }

  void remove(long blockId) {
    entries.remove(blockId);
  }
}
