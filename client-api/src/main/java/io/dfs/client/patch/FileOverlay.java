package io.dfs.client.patch;

import io.dfs.client.fs.DfsInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * What a writer changed in a complete file without copying it: the byte ranges it wrote (their
 * bytes kept by the writer, e.g. in a local sparse file), the ranges it made zeros, where it cut
 * the file, and its length now. The file it is to become reads as the cluster's content up to the
 * cut, zeros past it and in the zeroed ranges, with the written ranges on top; {@link PatchPlan} turns it into the few blocks to write.
 */
public final class FileOverlay {
  /** Reads bytes the writer wrote (only ever asked for ranges it wrote). */
  public interface Written {
    void read(long offset, byte[] buf, int off, int len) throws IOException;
  }

  private final ByteRanges written = new ByteRanges();
  /** Ranges made zeros inside the file (a punched hole, a zeroed range), under later writes. */
  private final ByteRanges zeroed = new ByteRanges();
  private long zeroFrom;
  private long length;
  private boolean changed;

  /** An overlay on a file of {@code length} bytes, nothing changed yet. */
  public FileOverlay(long length) {
    this.zeroFrom = length;
    this.length = length;
  }

  public void wrote(long offset, long size) {
    written.add(offset, offset + size);
    length = Math.max(length, offset + size);
    changed = true;
  }

  /** The file's length set to {@code size}: cut (what was past it is gone) or grown (by zeros). */
  public void truncate(long size) {
    if (size < length) {
      written.cutAt(size);
    }
    zeroFrom = Math.min(zeroFrom, Math.min(size, length));
    length = size;
    changed = true;
  }

  /** [offset, end) becomes zeros (fallocate's PUNCH_HOLE and ZERO_RANGE); the length stays. */
  public void zero(long offset, long end) {
    end = Math.min(end, length);
    written.remove(offset, end);
    zeroed.add(offset, end);
    changed = true;
  }

  public boolean changed() {
    return changed;
  }

  public long length() {
    return length;
  }

  /** Past this offset, the file's earlier content is gone (zeros unless written since). */
  public long zeroFrom() {
    return zeroFrom;
  }

  public ByteRanges written() {
    return written;
  }

  public ByteRanges zeroed() {
    return zeroed;
  }

  /**
   * Reads the file as it is to become: {@code base} (the file as the cluster has it) up to the cut,
   * zeros after, written bytes on top; returns the bytes read (0 at the end).
   */
  public int read(DfsInputStream base, Written bytes, long offset, byte[] buf, int off, int size) throws IOException {
    int n = (int) Math.max(0, Math.min(size, length - offset));
    Arrays.fill(buf, off, off + n, (byte) 0);
    long baseEnd = Math.min(Math.min(zeroFrom, base.length()), offset + n);
    for (long at = offset; at < baseEnd; ) {
      int got = base.read(at, buf, off + (int) (at - offset), (int) (baseEnd - at));
      if (got < 0) {
        throw new IOException("the file ended at " + at + " before its " + baseEnd + " bytes were read");
      }
      at += got;
    }
    for (long[] r : zeroed.within(offset, offset + n)) {
      Arrays.fill(buf, off + (int) (r[0] - offset), off + (int) (r[1] - offset), (byte) 0);
    }
    for (long[] r : written.within(offset, offset + n)) {
      bytes.read(r[0], buf, off + (int) (r[0] - offset), (int) (r[1] - r[0]));
    }
    return n;
  }
}
