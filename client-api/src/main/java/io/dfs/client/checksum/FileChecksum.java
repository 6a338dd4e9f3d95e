package io.dfs.client.checksum;

import java.util.HexFormat;

/**
 * A file's checksum: the CRC32C of its whole content, composed from its blocks' CRCs (HDFS's
 * COMPOSITE-CRC32C). It depends on the bytes only, not on block or chunk sizes, so equal files
 * have equal checksums here, on HDFS in COMPOSITE_CRC mode, and from a local {@code CRC32C}.
 */
public record FileChecksum(int crc32c, long length) {
  public static final String ALGORITHM = "COMPOSITE-CRC32C";

  public String hex() {
    return HexFormat.of().toHexDigits(crc32c);
  }

  @Override
  public String toString() {
    return ALGORITHM + " " + hex();
  }
}
