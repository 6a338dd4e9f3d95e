package io.dfs.client.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.NameTooLongException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PathNamesTest {

  @Test
  void splitsNormalizedAbsolutePaths() throws Exception {
    assertThat(PathNames.components("/")).isEmpty();
    assertThat(PathNames.components("/a/bé/c d")).containsExactly("a", "bé", "c d");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "/a/../b", "/a/./b", "/a//b", "/a/", "/..", "/a\0b"})
  void rejectsPathsThatAreNotAbsoluteAndNormalized(String path) {
    assertThatThrownBy(() -> PathNames.components(path)).isInstanceOf(InvalidPathException.class);
  }

  @Test
  void rejectsNamesOver255BytesCountingUtf8() throws Exception {
    assertThat(PathNames.components("/" + "x".repeat(255))).hasSize(1);
    assertThatThrownBy(() -> PathNames.components("/" + "x".repeat(256))).isInstanceOf(NameTooLongException.class);
    // 128 two-byte characters are 256 bytes
    assertThatThrownBy(() -> PathNames.components("/" + "é".repeat(128))).isInstanceOf(NameTooLongException.class);
  }

  @Test
  void takesPathsDeeperThanPathMaxAndRejectsThemPast32KiB() throws Exception {
    assertThat(PathNames.components(("/" + "y".repeat(200)).repeat(21))).hasSize(21); // 4,221 bytes
    String path = ("/" + "y".repeat(200)).repeat(164);
    assertThatThrownBy(() -> PathNames.components(path)).isInstanceOf(NameTooLongException.class);
  }

  @Test
  void splitsAPathIntoItsDirectoryAndName() {
    assertThat(PathNames.parentOf("/a/b/c")).isEqualTo("/a/b");
    assertThat(PathNames.nameOf("/a/b/c")).isEqualTo("c");
    assertThat(PathNames.parentOf("/a")).isEqualTo("/");
    assertThat(PathNames.nameOf("/a")).isEqualTo("a");
    assertThat(PathNames.parentOf("/")).isEqualTo("/");
    assertThat(PathNames.nameOf("/")).isEmpty();
  }
}
