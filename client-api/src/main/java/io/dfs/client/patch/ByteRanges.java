package io.dfs.client.patch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Disjoint byte ranges [start, end) of a file, joined where they touch: what a writer changed. */
public final class ByteRanges {
  /** start -> end, disjoint and not touching. */
  private final TreeMap<Long, Long> ranges = new TreeMap<>();

  public void add(long start, long end) {
    if (start >= end) {
      return;
    }
    Map.Entry<Long, Long> before = ranges.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
    while (next != null && next.getKey() <= end) {
      end = Math.max(end, next.getValue());
      ranges.remove(next.getKey());
      next = ranges.ceilingEntry(start);
    }
    ranges.put(start, end);
  }

  /** Forgets everything at and past {@code offset} (the file was cut there). */
  public void cutAt(long offset) {
    Map.Entry<Long, Long> before = ranges.lowerEntry(offset);
    ranges.tailMap(offset, true).clear();
    if (before != null && before.getValue() > offset) {
      ranges.put(before.getKey(), offset);
    }
  }

  /** Forgets [start, end) from every range (splitting one that spans it). */
  public void remove(long start, long end) {
    if (start >= end) {
      return;
    }
    List<long[]> hit = within(start, end);
    if (hit.isEmpty()) {
      return;
    }
    Map.Entry<Long, Long> first = ranges.floorEntry(hit.get(0)[0]);
    Map.Entry<Long, Long> last = ranges.floorEntry(hit.get(hit.size() - 1)[0]);
    long firstStart = first.getKey();
    long lastEnd = last.getValue();
    ranges.subMap(firstStart, true, end, false).clear();
    if (firstStart < start) {
      ranges.put(firstStart, start);
    }
    if (lastEnd > end) {
      ranges.put(end, lastEnd);
    }
  }

  /** Whether [start, end) lies within one range. */
  public boolean covers(long start, long end) {
    Map.Entry<Long, Long> e = ranges.floorEntry(start);
    return e != null && e.getValue() >= end;
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The ranges overlapping [start, end), clipped to it, in order. */
  public List<long[]> within(long start, long end) {
    List<long[]> out = new ArrayList<>();
    Map.Entry<Long, Long> first = ranges.lowerEntry(start);
    if (first != null && first.getValue() > start) {
      out.add(new long[] {start, Math.min(end, first.getValue())});
    }
    for (Map.Entry<Long, Long> e : ranges.subMap(start, true, end, false).entrySet()) {
      out.add(new long[] {e.getKey(), Math.min(end, e.getValue())});
    }
    return out;
  }

  /** Whether any range overlaps [start, end). */
  public boolean overlaps(long start, long end) {
    return !within(start, end).isEmpty();
  }

  /** Every range, in order. */
  public List<long[]> all() {
    return within(Long.MIN_VALUE, Long.MAX_VALUE);
  }
}
