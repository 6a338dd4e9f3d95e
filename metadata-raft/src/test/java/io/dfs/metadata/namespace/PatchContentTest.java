package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.block.Holes;
import io.dfs.client.error.DfsException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.error.StorageException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ContentSegment;
import io.dfs.proto.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A patch swaps some of a file's blocks for new ones and keeps the rest, or changes nothing. */
class PatchContentTest {
  private final Namespace ns = new Namespace();

  /** A complete file of blocks of the given lengths, written by c1. */
  private List<BlockInfo> file(String path, long... lengths) throws DfsException {
    ns.createFile(path, false, false, 3, 100, 0644, "alice", "staff", "c1", 1);
    List<BlockInfo> out = new ArrayList<>();
    BlockInfo previous = null;
    for (long length : lengths) {
      BlockInfo b = ns.addBlock(path, "c1", previous, List.of("n1", "n2", "n3"), 1);
      previous = b.toBuilder().setLength(length).build();
      out.add(previous);
    }
    ns.complete(path, "c1", previous, 1);
    return out;
  }

  private static ContentSegment kept(int i) {
    return ContentSegment.newBuilder().setKeptBlock(i).build();
  }

  private static ContentSegment fresh() {
    return ContentSegment.newBuilder().setNewBlock(true).build();
  }

  private static ContentSegment hole(long n) {
    return ContentSegment.newBuilder().setHole(n).build();
  }

  private static List<Long> ids(List<BlockInfo> blocks) {
    return blocks.stream().map(BlockInfo::getBlockId).toList();
  }

  private boolean stored(BlockInfo b) {
    return ns.blockTable().get(b.getBlockId()) != null;
  }

  @Test
  void theFileKeepsItsUntouchedBlocksAndTakesTheNewOnesInPlace() throws Exception {
    List<BlockInfo> old = file("/big", 100, 100, 100, 40);
    List<BlockInfo> patch = file("/.big.patch", 100);
    long inode = ns.resolve("/big").id();

    ns.patchContent("/.big.patch", "/big", ids(old), List.of(kept(0), fresh(), kept(2), hole(60), kept(3)), 5);

    List<BlockInfo> now = ns.resolve("/big").blocks();
    assertThat(ids(now)).containsExactly(old.get(0).getBlockId(), patch.get(0).getBlockId(),
        old.get(2).getBlockId(), 0L, old.get(3).getBlockId());
    assertThat(Holes.isHole(now.get(3))).isTrue();
    assertThat(ns.statusAt("/big").getLength()).isEqualTo(400);
    assertThat(ns.statusAt("/big").getInodeId()).isEqualTo(inode);
    assertThat(stored(old.get(1))).as("the replaced block is freed").isFalse();
    assertThat(stored(old.get(0))).isTrue();
    assertThat(ns.blockTable().get(patch.get(0).getBlockId()).inodeId()).isEqualTo(inode);
    assertThatThrownBy(() -> ns.resolve("/.big.patch")).isInstanceOf(PathNotFoundException.class);
  }

  @Test
  void aPatchPlannedOnOtherBlocksIsStaleAndChangesNothing() throws Exception {
    List<BlockInfo> old = file("/f", 100, 100);
    file("/.f.patch", 100);
    List<Long> planned = List.of(old.get(0).getBlockId(), 999L);
    assertThatThrownBy(() -> ns.patchContent("/.f.patch", "/f", planned, List.of(kept(0), fresh()), 5))
        .isInstanceOf(StorageException.class)
        .satisfies(e -> assertThat(((StorageException) e).code()).isEqualTo(ErrorCode.STALE_FILE_HANDLE));
    assertThat(ids(ns.resolve("/f").blocks())).isEqualTo(ids(old));
    assertThat(ns.resolve("/.f.patch").blocks()).hasSize(1);
  }

  @Test
  void segmentsThatKeepABlockTwiceOrLeaveNewBlocksOutAreRefused() throws Exception {
    List<BlockInfo> old = file("/g", 100, 100);
    file("/.g.patch", 100, 100);
    assertThatThrownBy(() -> ns.patchContent("/.g.patch", "/g", ids(old), List.of(kept(0), kept(0), fresh(), fresh()), 5))
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.patchContent("/.g.patch", "/g", ids(old), List.of(kept(0), fresh()), 5))
        .isInstanceOf(InvalidPathException.class);
    assertThat(ids(ns.resolve("/g").blocks())).isEqualTo(ids(old));
    assertThat(old.stream().allMatch(this::stored)).isTrue();
  }
}
