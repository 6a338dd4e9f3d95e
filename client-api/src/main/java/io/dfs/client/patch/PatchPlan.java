package io.dfs.client.patch;

import io.dfs.client.block.Holes;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ContentSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Which blocks of a file a change rewrites, and the file's new block list: a data block that was
 * written in, cut, or partly zeroed is rewritten whole (blocks are immutable: copy-on-write per
 * block), one zeroed whole becomes a hole; every other block is kept as it is; written bytes in a hole or past the old end become new blocks of
 * their own, and the zeros around them stay holes. A few KiB changed in a 10 GiB file cost about
 * one block.
 */
public final class PatchPlan {
  /** Written ranges this close in a hole are written as one (the zeros between them stored). */
  static final long JOIN_GAP = 64 * 1024;

  /** A range of the new file written as one new block. */
  public record Piece(long start, long end) {}

  private final List<ContentSegment> segments = new ArrayList<>();
  private final List<Piece> pieces = new ArrayList<>();

  private PatchPlan() {}

  /** The segments of the new block list (see PatchContentRequest), in file order. */
  public List<ContentSegment> segments() {
    return segments;
  }

  /** The new blocks to write, in order: each {@link ContentSegment#getNewBlock()} segment is one. */
  public List<Piece> pieces() {
    return pieces;
  }

  /** Bytes the patch writes. */
  public long bytesWritten() {
    return pieces.stream().mapToLong(p -> p.end() - p.start()).sum();
  }

  public static PatchPlan of(List<BlockInfo> base, FileOverlay overlay, long blockSize) {
    long length = overlay.length();
    long keepEnd = Math.min(overlay.zeroFrom(), length); // base bytes past it are gone
    long[] starts = new long[base.size()];
    long at = 0;
    for (int i = 0; i < base.size(); i++) {
      starts[i] = at;
      at += base.get(i).getLength();
    }
    keepEnd = Math.min(keepEnd, at);

    // what must be written: every written range, and whole each data block written in or cut
    ByteRanges runs = new ByteRanges();
    overlay.written().within(0, length).forEach(r -> runs.add(r[0], r[1]));
    for (int i = 0; i < base.size(); i++) {
      long s = starts[i];
      long e = s + base.get(i).getLength();
      if (Holes.isHole(base.get(i)) || s >= keepEnd) {
        continue;
      }
      boolean zeroedWhole = overlay.zeroed().covers(s, e);
      if (e > keepEnd || overlay.written().overlaps(s, e) || (overlay.zeroed().overlaps(s, e) && !zeroedWhole)) {
        runs.add(s, Math.min(e, length));
      }
    }
    List<long[]> joined = join(runs.all(), base, starts, keepEnd);

    PatchPlan plan = new PatchPlan();
    long pos = 0;
    int next = 0;
    int block = 0;
    while (pos < length) {
      if (next < joined.size() && joined.get(next)[0] <= pos) {
        long[] run = joined.get(next++);
        for (long p = run[0]; p < run[1]; p += blockSize) {
          plan.pieces.add(new Piece(p, Math.min(p + blockSize, run[1])));
          plan.segments.add(ContentSegment.newBuilder().setNewBlock(true).build());
        }
        pos = run[1];
        continue;
      }
      long cleanEnd = next < joined.size() ? joined.get(next)[0] : length;
      while (pos < cleanEnd) {
        if (pos >= keepEnd) {
          plan.hole(cleanEnd - pos);
          pos = cleanEnd;
          break;
        }
        while (starts[block] + base.get(block).getLength() <= pos) {
          block++;
        }
        BlockInfo b = base.get(block);
        long end = starts[block] + b.getLength();
        if (Holes.isHole(b)) {
          long stop = Math.min(Math.min(end, cleanEnd), keepEnd);
          plan.hole(stop - pos);
          pos = stop;
        } else {
          if (starts[block] != pos || end > cleanEnd || end > keepEnd) {
            throw new IllegalStateException("a kept block must lie whole in an unchanged range: block " + block
                + " [" + starts[block] + ", " + end + ") at " + pos);
          }
          if (overlay.zeroed().covers(starts[block], end)) {
            plan.hole(end - pos); // punched out whole: stored nowhere now
          } else {
            plan.segments.add(ContentSegment.newBuilder().setKeptBlock(block).build());
          }
          pos = end;
        }
      }
    }
    return plan;
  }

  /** Neighbouring runs joined across short gaps that hold no kept data (zeros: holes or past the cut). */
  private static List<long[]> join(List<long[]> runs, List<BlockInfo> base, long[] starts, long keepEnd) {
    List<long[]> out = new ArrayList<>();
    for (long[] r : runs) {
      long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && r[0] - last[1] < JOIN_GAP && !keptDataIn(last[1], r[0], base, starts, keepEnd)) {
        last[1] = r[1];
      } else {
        out.add(new long[] {r[0], r[1]});
      }
    }
    return out;
  }

  private static boolean keptDataIn(long from, long to, List<BlockInfo> base, long[] starts, long keepEnd) {
    for (int i = 0; i < base.size(); i++) {
      long s = starts[i];
      long e = Math.min(s + base.get(i).getLength(), keepEnd);
      if (!Holes.isHole(base.get(i)) && s < to && from < e) {
        return true;
      }
    }
    return false;
  }

  private void hole(long bytes) {
    if (bytes <= 0) {
      return;
    }
    int last = segments.size() - 1;
    if (last >= 0 && segments.get(last).hasHole()) {
      segments.set(last, ContentSegment.newBuilder().setHole(segments.get(last).getHole() + bytes).build());
    } else {
      segments.add(ContentSegment.newBuilder().setHole(bytes).build());
    }
  }
}
