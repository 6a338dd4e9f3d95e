package io.dfs.client.patch;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.client.block.Holes;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ContentSegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which blocks a change rewrites, and the block list it leaves. */
class PatchPlanTest {
  private static final long B = 100; // block size

  private static BlockInfo data(long id, long length) {
    return BlockInfo.newBuilder().setBlockId(id).setLength(length).build();
  }

  /** Segments as short strings: k<i> kept block, h<n> hole, n new block. */
  private static List<String> shape(PatchPlan plan) {
    return plan.segments().stream().map(s -> switch (s.getKindCase()) {
      case KEPT_BLOCK -> "k" + s.getKeptBlock();
      case HOLE -> "h" + s.getHole();
      case NEW_BLOCK -> "n";
      default -> "?";
    }).toList();
  }

  private static List<String> pieces(PatchPlan plan) {
    return plan.pieces().stream().map(p -> p.start() + "-" + p.end()).toList();
  }

  @Test
  void aWriteInsideOneBlockRewritesThatBlockAlone() {
    List<BlockInfo> base = List.of(data(1, B), data(2, B), data(3, B), data(4, 30));
    FileOverlay o = new FileOverlay(330);
    o.wrote(150, 4);
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("k0", "n", "k2", "k3");
    assertThat(pieces(plan)).containsExactly("100-200");
    assertThat(plan.bytesWritten()).isEqualTo(B);
  }

  @Test
  void aWriteAcrossABoundaryRewritesBothBlocksAndAppendsGrowTheLastOne() {
    List<BlockInfo> base = List.of(data(1, B), data(2, B), data(3, 30));
    FileOverlay o = new FileOverlay(230);
    o.wrote(95, 10);
    o.wrote(225, 20); // past the end: the short last block is rewritten with the growth
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("n", "n", "n");
    assertThat(pieces(plan)).containsExactly("0-100", "100-200", "200-245");
  }

  @Test
  void writesInAHoleBecomeBlocksOfTheirOwnAndTheRestStaysAHole() {
    List<BlockInfo> base = List.of(data(1, B), Holes.of(1_000_000_000L), data(2, 50));
    FileOverlay o = new FileOverlay(B + 1_000_000_000L + 50);
    o.wrote(500_000, 10);
    o.wrote(500_020, 10); // close by: one piece with the zeros between
    o.wrote(900_000, 5);
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("k0", "h" + (500_000 - B), "n", "h" + (900_000 - 500_030), "n",
        "h" + (B + 1_000_000_000L - 900_005), "k2");
    assertThat(pieces(plan)).containsExactly("500000-500030", "900000-900005");
  }

  @Test
  void aCutInsideABlockRewritesItShorterAndDropsTheBlocksAfter() {
    List<BlockInfo> base = List.of(data(1, B), data(2, B), data(3, B));
    FileOverlay o = new FileOverlay(300);
    o.truncate(120);
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("k0", "n");
    assertThat(pieces(plan)).containsExactly("100-120");
  }

  @Test
  void aCutThenGrowthReadsAsZerosAndIsStoredAsAHole() {
    List<BlockInfo> base = List.of(data(1, B), data(2, B));
    FileOverlay o = new FileOverlay(200);
    o.truncate(100); // at a block boundary: nothing rewritten
    o.truncate(1_000); // grown again: zeros, not the old second block
    o.wrote(990, 10);
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("k0", "h890", "n");
    assertThat(pieces(plan)).containsExactly("990-1000");
  }

  @Test
  void aPunchedBlockBecomesAHoleAndOnesPartlyPunchedAreRewritten() {
    List<BlockInfo> base = List.of(data(1, B), data(2, B), data(3, B), data(4, B));
    FileOverlay o = new FileOverlay(400);
    o.zero(50, 300);
    PatchPlan plan = PatchPlan.of(base, o, B);
    assertThat(shape(plan)).containsExactly("n", "h200", "k3");
    assertThat(pieces(plan)).containsExactly("0-100");
    o.wrote(150, 10); // written after the punch: on top of its zeros
    assertThat(shape(PatchPlan.of(base, o, B))).containsExactly("n", "n", "h100", "k3");
  }

  @Test
  void longRunsAreSplitIntoBlocks() {
    FileOverlay o = new FileOverlay(0);
    o.wrote(0, 250);
    PatchPlan plan = PatchPlan.of(List.of(), o, B);
    assertThat(pieces(plan)).containsExactly("0-100", "100-200", "200-250");
    assertThat(plan.segments()).allMatch(ContentSegment::hasNewBlock);
  }

  @Test
  void byteRangesJoinAndCut() {
    ByteRanges r = new ByteRanges();
    r.add(10, 20);
    r.add(30, 40);
    r.add(20, 30); // touching both: one range
    r.add(50, 60);
    assertThat(r.all()).extracting(a -> a[0] + "-" + a[1]).containsExactly("10-40", "50-60");
    r.remove(15, 18);
    assertThat(r.all()).extracting(a -> a[0] + "-" + a[1]).containsExactly("10-15", "18-40", "50-60");
    r.cutAt(35);
    assertThat(r.all()).extracting(a -> a[0] + "-" + a[1]).containsExactly("10-15", "18-35");
    assertThat(r.within(0, 12)).extracting(a -> a[0] + "-" + a[1]).containsExactly("10-12");
  }
}
