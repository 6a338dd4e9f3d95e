package io.dfs.client.checksum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class Crc32cCompositionTest {
  private static int crc(byte[] data, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(data, from, to - from);
    return (int) c.getValue();
  }

  @Test
  void concatenationOfTwoPartsMatchesTheCrcOfTheWhole() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      byte[] data = new byte[random.nextInt(5000)];
      random.nextBytes(data);
      int cut = data.length == 0 ? 0 : random.nextInt(data.length + 1);
      int composed = Crc32cComposition.concat(crc(data, 0, cut), crc(data, cut, data.length), data.length - cut);
      assertThat(composed).as("cut at %d of %d", cut, data.length).isEqualTo(crc(data, 0, data.length));
    }
  }

  @Test
  void chunksWithAShortLastOneComposeToTheCrcOfTheWhole() {
    byte[] data = new byte[10 * 512 + 77];
    new Random(7).nextBytes(data);
    int[] chunks = new int[11];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = crc(data, i * 512, Math.min(data.length, (i + 1) * 512));
    }
    assertThat(Crc32cComposition.ofChunks(chunks, 512, data.length)).isEqualTo(crc(data, 0, data.length));
    assertThat(Crc32cComposition.ofChunks(new int[0], 512, 0)).isEqualTo(crc(data, 0, 0));
  }

  @Test
  void aLongRunOfZerosComposesWithoutReadingIt() {
    byte[] zeros = new byte[3 << 20];
    byte[] tail = "tail".getBytes();
    byte[] whole = Arrays.copyOf(zeros, zeros.length + tail.length);
    System.arraycopy(tail, 0, whole, zeros.length, tail.length);
    int composed = Crc32cComposition.concat(crc(zeros, 0, zeros.length), crc(tail, 0, tail.length), tail.length);
    assertThat(composed).isEqualTo(crc(whole, 0, whole.length));
  }

  @Test
  void runsOfZerosOfAnyLengthMatchTheJdk() {
    for (int n : new int[] {0, 1, 2, 3, 7, 512, 4095, 65536, 1_000_003}) {
      byte[] zeros = new byte[n];
      assertThat(Crc32cComposition.zeros(n)).as("%d zeros", n).isEqualTo(crc(zeros, 0, n));
    }
  }
}
