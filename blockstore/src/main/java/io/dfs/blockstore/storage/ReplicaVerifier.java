package io.dfs.blockstore.storage;

import io.dfs.client.transfer.ChunkChecksums;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Checks a replica's data against its stored chunk checksums. */
public final class ReplicaVerifier {
  private ReplicaVerifier() {}

  /** True when every chunk matches (and the checksum file covers exactly the data). */
  public static boolean isIntact(Replica r) throws IOException {
    int bpc = r.bytesPerChecksum();
    long length = Files.size(r.data());
    int chunks = (int) ((length + bpc - 1) / bpc);
    if (Files.size(r.meta()) != ReplicaMeta.HEADER + 4L * chunks || length != r.block().getLength()) {
      return false;
    }
    int[] stored = ReplicaMeta.read(r.meta(), 0, chunks);
    byte[] buf = new byte[bpc * 16];
    int chunk = 0;
    try (InputStream in = Files.newInputStream(r.data())) {
      for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
        int count = ChunkChecksums.chunks(n, bpc);
        List<Integer> expected = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          expected.add(stored[chunk + i]);
        }
        if (ChunkChecksums.firstMismatch(ByteBuffer.wrap(buf, 0, n), bpc, expected) >= 0) {
          return false;
        }
        chunk += count;
      }
    }
    return true;
  }

  /**
   * How much of an unfinished replica found after a crash is trustworthy: the bytes up to the
   * first chunk whose data does not match its stored checksum (or has none).
   */
  static long intactPrefix(java.nio.file.Path data, java.nio.file.Path meta, int bpc) throws IOException {
    long length = Files.size(data);
    long stored = (Files.size(meta) - ReplicaMeta.HEADER) / 4;
    int chunks = (int) Math.min(stored, (length + bpc - 1) / bpc);
    if (chunks <= 0) {
      return 0;
    }
    int[] crcs = ReplicaMeta.read(meta, 0, chunks);
    byte[] buf = new byte[bpc];
    long good = 0;
    try (InputStream in = Files.newInputStream(data)) {
      for (int chunk = 0; chunk < chunks; chunk++) {
        int n = in.readNBytes(buf, 0, bpc);
        if (n == 0 || ChunkChecksums.firstMismatch(ByteBuffer.wrap(buf, 0, n), bpc, List.of(crcs[chunk])) >= 0) {
          break;
        }
        good += n;
      }
    }
    return good;
  }

  /** CRC32C of {@code length} bytes of a data file at {@code offset}. */
  public static int checksum(java.nio.file.Path data, long offset, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    try (var ch = java.nio.channels.FileChannel.open(data)) {
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new IOException(data + " is shorter than " + (offset + length) + " bytes");
        }
      }
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(buf.flip());
    return (int) crc.getValue();
  }
}
