package io.dfs.client.transfer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C per fixed-size chunk: the integrity unit on the wire and on disk. */
public final class ChunkChecksums {
  public static final int BYTES_PER_CHECKSUM = 64 * 1024;

  private ChunkChecksums() {}

  public static int chunks(int length, int bytesPerChecksum) {
    return (length + bytesPerChecksum - 1) / bytesPerChecksum;
  }

  /** Checksums of {@code data}'s remaining bytes, one per chunk (the last may be short). */
  public static int[] compute(ByteBuffer data, int bytesPerChecksum) {
    ByteBuffer d = data.duplicate();
    int[] out = new int[chunks(d.remaining(), bytesPerChecksum)];
    CRC32C crc = new CRC32C();
    for (int i = 0; i < out.length; i++) {
      int n = Math.min(bytesPerChecksum, d.remaining());
      ByteBuffer chunk = d.slice(d.position(), n);
      crc.reset();
      crc.update(chunk);
      out[i] = (int) crc.getValue();
      d.position(d.position() + n);
    }
    return out;
  }

  /** The index of the first chunk whose checksum does not match, or -1 when all match. */
  public static int firstMismatch(ByteBuffer data, int bytesPerChecksum, Iterable<Integer> expected) {
    ByteBuffer d = data.duplicate();
    CRC32C crc = new CRC32C();
    int i = 0;
    for (int want : expected) {
      int n = Math.min(bytesPerChecksum, d.remaining());
      if (n <= 0) {
        return i;
      }
      crc.reset();
      crc.update(d.slice(d.position(), n));
      if ((int) crc.getValue() != want) {
        return i;
      }
      d.position(d.position() + n);
      i++;
    }
    return d.hasRemaining() ? i : -1;
  }
}
