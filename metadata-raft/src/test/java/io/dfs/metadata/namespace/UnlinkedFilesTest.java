package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A file that loses its last name while a process on some client has it open lives on without a
 * name (POSIX's open-unlinked file): readable and writable by its inode id, its blocks kept, until
 * nobody holds it open and the leader reaps it.
 */
class UnlinkedFilesTest {
  private static final List<String> PIPELINE = List.of("n1", "n2", "n3");
  private final Namespace ns = new Namespace();

  private Inode file(String path, String writer, long length) throws DfsException {
    ns.createFile(path, false, false, 3, 1 << 20, 0, "", "", writer, 1);
    BlockInfo b = ns.addBlock(path, writer, null, PIPELINE, 2);
    return ns.complete(path, writer, b.toBuilder().setLength(length).build(), 3);
  }

  private void hold(String session, long inodeId, long owner, LockType type) throws DfsException {
    LockRequest r = LockRequest.newBuilder().setInodeId(inodeId).setKind(LockKind.OPEN).setType(type)
        .setOwner(owner).build();
    ns.locks().apply(ns.lockOf(r, session), "");
  }

  private boolean blockKept(Inode f) {
    return ns.blockTable().get(f.blocks().get(0).getBlockId()) != null;
  }

  @Test
  void aFileHeldOpenKeepsItsBlocksAfterItsLastNameGoesUntilReleasedAndReaped() throws Exception {
    Inode f = file("/f", "c1", 100);
    hold("reader", f.id(), 7, LockType.SHARED);
    ns.delete("/f", false, 10);

    assertThatThrownBy(() -> ns.resolve("/f")).isInstanceOf(PathNotFoundException.class);
    assertThat(ns.fileById(f.id(), "/f")).isSameAs(f);
    assertThat(ns.isUnlinked(f)).isTrue();
    assertThat(ns.status(f).getNlink()).isZero();
    assertThat(ns.status(f).getLength()).isEqualTo(100);
    assertThat(blockKept(f)).isTrue();
    assertThat(ns.reapable(1_000, 10)).as("held open: never reapable, however old").isEmpty();
    assertThat(ns.reap(List.of(f.id()))).as("a reap asked for anyway keeps it").isZero();

    hold("reader", f.id(), 7, LockType.UNLOCK);
    assertThat(ns.reapable(9, 10)).as("unlinked after the time asked about").isEmpty();
    assertThat(ns.reapable(10, 10)).containsExactly(f.id());
    assertThat(ns.reap(List.of(f.id()))).isEqualTo(1);
    assertThat(blockKept(f)).isFalse();
    assertThatThrownBy(() -> ns.fileById(f.id(), "/f")).isInstanceOf(DfsException.class)
        .satisfies(e -> assertThat(((DfsException) e).code()).isEqualTo(ErrorCode.STALE_FILE_HANDLE));
  }

  @Test
  void aFileReplacedByRenameIsKeptForItsReadersAndTheNewOneTakesTheName() throws Exception {
    Inode old = file("/f", "c1", 10);
    Inode other = file("/g", "c1", 20);
    ns.rename("/g", "/f", true, 5);
    assertThat(ns.resolve("/f")).isSameAs(other);
    assertThat(ns.file("/f", old.id())).as("the old file's reader finds its file").isSameAs(old);
    assertThat(ns.isUnlinked(old)).isTrue();
    assertThat(blockKept(old)).isTrue();
  }

  @Test
  void aFileBeingWrittenWhenUnlinkedTakesItsWritersCallsByIdAndIsNotAskedToRecover() throws Exception {
    ns.createFile("/w", false, false, 3, 1 << 20, 0, "", "", "writer", 1);
    long id = ns.resolve("/w").id();
    BlockInfo b = ns.addBlock("/w", id, "writer", null, PIPELINE, 2);
    ns.rename("/w", "/moved", false, 3);
    BlockInfo b2 = ns.addBlock("/gone", id, "writer", b.toBuilder().setLength(1 << 20).build(), PIPELINE, 4);
    ns.delete("/moved", false, 5);
    assertThat(ns.openFiles()).as("nobody needs an unlinked file completed").isEmpty();
    Inode done = ns.complete("/gone", id, "writer", b2.toBuilder().setLength(5).build(), 6);
    assertThat(done.length()).isEqualTo((1 << 20) + 5);
    assertThat(ns.reapable(5, 10)).containsExactly(id);
  }

  @Test
  void reapableFilesAreThoseUnlinkedLongEnoughAgoThatNobodyHolds() throws Exception {
    Inode held = file("/held", "c1", 1);
    Inode old = file("/old", "c1", 1);
    Inode young = file("/young", "c1", 1);
    hold("reader", held.id(), 1, LockType.SHARED);
    ns.delete("/held", false, 10);
    ns.delete("/old", false, 20);
    ns.delete("/young", false, 30);
    assertThat(ns.reapable(25, 10)).containsExactly(old.id());
    assertThat(ns.reapable(30, 1)).as("at most as many as asked").containsExactly(old.id());
    assertThat(ns.reapable(30, 10)).containsExactly(old.id(), young.id());
  }

  @Test
  void unlinkedFilesAndTheirHoldsSurviveTheImage() throws Exception {
    Inode f = file("/f", "c1", 100);
    hold("reader", f.id(), 1, LockType.SHARED);
    ns.delete("/f", false, 10);
    ByteArrayOutputStream image = new ByteArrayOutputStream();
    NamespaceImage.write(ns, image);

    Namespace back = NamespaceImage.read(new ByteArrayInputStream(image.toByteArray()));
    Inode restored = back.fileById(f.id(), "/f");
    assertThat(back.isUnlinked(restored)).isTrue();
    assertThat(back.status(restored).getLength()).isEqualTo(100);
    assertThat(back.fileOfBlock(f.blocks().get(0).getBlockId())).isSameAs(restored);
    assertThat(back.reapable(Long.MAX_VALUE, 10)).as("still held").isEmpty();
    assertThat(NamespaceImage.digest(back)).isEqualTo(NamespaceImage.digest(ns));
  }
}
