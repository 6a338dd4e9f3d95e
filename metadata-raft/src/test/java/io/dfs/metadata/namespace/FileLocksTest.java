package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.LockConflictException;
import io.dfs.proto.FileLock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replicated lock table's rules, which are Linux's for flock and POSIX locks. */
class FileLocksTest {
  private final FileLocks locks = new FileLocks();

  private static FileLock posix(String session, long owner, LockType type, long start, long end) {
    return FileLocks.normalized(FileLock.newBuilder().setInodeId(7).setSession(session).setOwner(owner)
        .setKind(LockKind.POSIX_LOCK).setType(type).setStart(start).setEnd(end).setPid(100 + (int) owner).build());
  }

  private static FileLock flock(String session, long owner, LockType type) {
    return FileLocks.normalized(FileLock.newBuilder().setInodeId(7).setSession(session).setOwner(owner)
        .setKind(LockKind.FLOCK).setType(type).build());
  }

  private List<String> ranges() {
    return locks.records().stream().map(l -> l.getSession() + "/" + l.getOwner() + " " + l.getType() + " "
        + l.getStart() + ".." + (l.getEnd() == Long.MAX_VALUE ? "end" : l.getEnd())).toList();
  }

  @Test
  void sharedLocksOverlapAndAnExclusiveOneConflictsWithThemAndNamesTheHolder() throws Exception {
    locks.apply(posix("a", 1, LockType.SHARED, 0, 100), "/f");
    locks.apply(posix("b", 1, LockType.SHARED, 50, 150), "/f");
    assertThatThrownBy(() -> locks.apply(posix("c", 1, LockType.EXCLUSIVE, 120, 130), "/f"))
        .isInstanceOf(LockConflictException.class).hasMessageContaining("process 101 of b");
    // outside every shared range: no conflict
    locks.apply(posix("c", 1, LockType.EXCLUSIVE, 150, 0), "/f");
    assertThat(locks.conflict(posix("a", 2, LockType.SHARED, 200, 201)).getSession()).isEqualTo("c");
    // the same owner never conflicts with itself, even in another mode
    assertThat(locks.conflict(posix("a", 1, LockType.EXCLUSIVE, 0, 50))).isNull();
    // nor does the same owner number of another session count as the same owner
    assertThat(locks.conflict(posix("b", 1, LockType.EXCLUSIVE, 0, 10))).isNotNull();
  }

  @Test
  void aNewLockReplacesTheOwnersLocksInItsRangeSplittingAndMergingThem() throws Exception {
    locks.apply(posix("a", 1, LockType.EXCLUSIVE, 0, 100), "/f");
    locks.apply(posix("a", 1, LockType.SHARED, 40, 60), "/f"); // downgrade the middle: three pieces
    assertThat(ranges()).containsExactly("a/1 EXCLUSIVE 0..40", "a/1 SHARED 40..60", "a/1 EXCLUSIVE 60..100");
    locks.apply(posix("a", 1, LockType.UNLOCK, 20, 80), "/f"); // punch out the middle
    assertThat(ranges()).containsExactly("a/1 EXCLUSIVE 0..20", "a/1 EXCLUSIVE 80..100");
    locks.apply(posix("a", 1, LockType.EXCLUSIVE, 20, 80), "/f"); // adjacent ranges of one type merge
    assertThat(ranges()).containsExactly("a/1 EXCLUSIVE 0..100");
    locks.apply(posix("a", 1, LockType.UNLOCK, 0, 0), "/f");
    assertThat(locks.records()).isEmpty();
  }

  @Test
  void flocksAreWholeFileAndNeverConflictWithPosixLocks() throws Exception {
    locks.apply(posix("a", 1, LockType.EXCLUSIVE, 0, 0), "/f");
    locks.apply(flock("b", 9, LockType.EXCLUSIVE), "/f"); // another kind: no conflict, as on Linux
    assertThatThrownBy(() -> locks.apply(flock("c", 9, LockType.SHARED), "/f"))
        .isInstanceOf(LockConflictException.class);
    locks.apply(flock("b", 9, LockType.SHARED), "/f"); // converted in place
    locks.apply(flock("c", 9, LockType.SHARED), "/f");
    assertThat(ranges()).containsExactly("a/1 EXCLUSIVE 0..end", "b/9 SHARED 0..end", "c/9 SHARED 0..end");
  }

  @Test
  void aSessionsLocksGoTogetherAndTheTableSurvivesTheImage() throws Exception {
    locks.apply(posix("a", 1, LockType.EXCLUSIVE, 0, 10), "/f");
    locks.apply(posix("a", 2, LockType.SHARED, 10, 20), "/f");
    locks.apply(flock("b", 1, LockType.SHARED), "/f");

    Namespace ns = new Namespace();
    locks.records().forEach(ns.locks()::restore);
    ByteArrayOutputStream image = new ByteArrayOutputStream();
    NamespaceImage.write(ns, image);
    Namespace read = NamespaceImage.read(new ByteArrayInputStream(image.toByteArray()));
    assertThat(read.locks().records()).isEqualTo(locks.records());
    assertThat(read.locks().holders()).containsExactly("a", "b");

    assertThat(locks.releaseSession("a")).containsExactly(7L);
    assertThat(ranges()).containsExactly("b/1 SHARED 0..end");
    assertThat(locks.conflict(posix("c", 1, LockType.EXCLUSIVE, 0, 0))).isNull();
  }
}
