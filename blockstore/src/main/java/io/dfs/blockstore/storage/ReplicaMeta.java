package io.dfs.blockstore.storage;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The checksum file of a replica: a version, the chunk size, then one CRC32C (4 bytes,
 * big-endian) per chunk of the data file.
 */
public final class ReplicaMeta {
  static final int VERSION = 1;
  static final int HEADER = 8;

  private ReplicaMeta() {}

  static void writeHeader(FileChannel meta, int bytesPerChecksum) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(HEADER).putInt(VERSION).putInt(bytesPerChecksum).flip();
    while (b.hasRemaining()) {
      meta.write(b);
    }
  }

  public static int bytesPerChecksum(Path meta) throws IOException {
    try (DataInputStream in = new DataInputStream(java.nio.file.Files.newInputStream(meta))) {
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException("unknown checksum file version " + version + " in " + meta);
      }
      return in.readInt();
    }
  }

  /** Checksums of chunks {@code [first, first + count)}. */
  public static int[] read(Path meta, long first, int count) throws IOException {
    int[] out = new int[count];
    try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "r")) {
      f.seek(HEADER + first * 4);
      byte[] raw = new byte[count * 4];
      f.readFully(raw);
      ByteBuffer b = ByteBuffer.wrap(raw);
      for (int i = 0; i < count; i++) {
        out[i] = b.getInt();
      }
    }
    return out;
  }

  static FileChannel create(Path meta) throws IOException {
    return FileChannel.open(meta, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }
}
