package io.dfs.client.checksum;

/**
 * CRC32C of a concatenation from the CRC32Cs of its parts, without the bytes: {@code crc(A ++ B)}
 * from {@code crc(A)}, {@code crc(B)} and the length of B. Appending n bytes to A multiplies A's
 * remainder by x^(8n) modulo the CRC polynomial; the conditioning (initial value and final xor of
 * all ones) cancels in the sum, so {@code crc(A ++ B) = crc(A) * x^(8 len(B)) mod P  xor  crc(B)}
 * (the method of zlib's crc32_combine, in the bit-reflected form CRC32C uses).
 */
public final class Crc32cComposition {
  /** CRC32C's (Castagnoli) polynomial, bit-reflected. */
  private static final int POLY = 0x82F63B78;
  /** x^0 in the reflected representation. */
  private static final int ONE = 0x80000000;
  /** X_POW_2N[k] = x^(2^k) mod P. */
  private static final int[] X_POW_2N = new int[64];

  static {
    X_POW_2N[0] = ONE >>> 1; // x^1
    for (int k = 1; k < X_POW_2N.length; k++) {
      X_POW_2N[k] = multiply(X_POW_2N[k - 1], X_POW_2N[k - 1]);
    }
  }

  /** CRC32C of the single byte 0. */
  private static final int ZERO_BYTE;

  static {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(0);
    ZERO_BYTE = (int) c.getValue();
  }

  private Crc32cComposition() {}

  /** The CRC32C of A followed by B. */
  public static int concat(int crcA, int crcB, long lengthB) {
    if (lengthB < 0) {
      throw new IllegalArgumentException("negative length " + lengthB);
    }
    return multiply(xPow8n(lengthB), crcA) ^ crcB;
  }

  /** The CRC32C of {@code length} zero bytes (a hole), by doubling: no bytes are needed. */
  public static int zeros(long length) {
    int crc = 0; // of no bytes
    int run = ZERO_BYTE; // of 2^k zero bytes, k = 0, 1, ...
    long runLength = 1;
    for (long bits = length; bits != 0; bits >>>= 1) {
      if ((bits & 1) != 0) {
        crc = concat(crc, run, runLength);
      }
      run = concat(run, run, runLength);
      runLength <<= 1;
    }
    return crc;
  }

  /** The CRC32C of data whose chunks of {@code bytesPerChecksum} (the last one shorter) have these CRCs. */
  public static int ofChunks(int[] chunkCrcs, int bytesPerChecksum, long length) {
    int crc = 0; // the CRC32C of no bytes
    long left = length;
    for (int chunk : chunkCrcs) {
      long n = Math.min(bytesPerChecksum, left);
      crc = concat(crc, chunk, n);
      left -= n;
    }
    if (left != 0) {
      throw new IllegalArgumentException(chunkCrcs.length + " chunks of " + bytesPerChecksum
          + " bytes do not cover " + length + " bytes");
    }
    return crc;
  }

  /** a(x) * b(x) mod P, both reflected. */
  private static int multiply(int a, int b) {
    int product = 0;
    for (int m = ONE; m != 0; m >>>= 1) {
      if ((a & m) != 0) {
        product ^= b;
      }
      b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
    }
    return product;
  }

  /** x^(8n) mod P, by squaring: the bits of 8n pick the powers x^(2^k). */
  private static int xPow8n(long n) {
    int p = ONE;
    int k = 3; // 8n = n * 2^3
    for (long bits = n; bits != 0; bits >>>= 1, k++) {
      if ((bits & 1) != 0) {
        p = multiply(X_POW_2N[k], p);
      }
    }
    return p;
  }
}
