package io.dfs.fuse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ListingReadAheadTest {
  @Test
  void aPageStartsAtTheNameOrAtMostAFewEntriesBeforeIt() {
    List<String> names = List.of("f123", "a", "\u0001", "f\u0001", "x\uD83D\uDE00", "\uD83D\uDE00", "z\uD800\uDC01",
        "e\u00e9", "file.txt", "\uffff");
    for (String name : names) {
      String from = ListingReadAhead.startingAt(name);
      assertThat(from.compareTo(name)).as(name).isNegative();
      // it goes over the wire intact (no lone surrogate)
      assertThat(new String(from.getBytes(UTF_8), UTF_8)).as(name).isEqualTo(from);
    }
    assertThat(ListingReadAhead.startingAt("f123")).isEqualTo("f122\uffff");
    // in a directory of ordinary names, the page begins exactly at the name
    TreeSet<String> dir = new TreeSet<>();
    for (int i = 0; i < 2000; i++) {
      dir.add("e" + i);
    }
    for (String name : List.of("e0", "e2", "e1999", "e20", "e200")) {
      assertThat(dir.higher(ListingReadAhead.startingAt(name))).isEqualTo(name);
    }
  }

  @Test
  void aDirectoryCountsAsScannedForAWhileAfterItsListing() {
    AtomicLong now = new AtomicLong();
    ListingReadAhead readAhead = new ListingReadAhead(now::get);
    assertThat(readAhead.isScanning("/d")).isFalse();
    readAhead.scanning("/d");
    now.addAndGet(ListingReadAhead.WINDOW_NANOS - 1);
    assertThat(readAhead.isScanning("/d")).isTrue();
    now.addAndGet(1);
    assertThat(readAhead.isScanning("/d")).isFalse();
  }
}
