package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.DirectoryNotEmptyException;
import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.ListResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamespaceTest {
  private final Namespace ns = new Namespace();
  private static final List<String> PIPELINE = List.of("n1", "n2", "n3");
  private final List<BlockInfo> allocated = new ArrayList<>();

  /** Allocated blocks no file references any more (the block service deletes their replicas). */
  private long freed() {
    return allocated.stream().filter(b -> ns.blockTable().get(b.getBlockId()) == null).count();
  }

  private BlockInfo addBlock(String path, String writer, BlockInfo previous, long now) throws DfsException {
    BlockInfo b = ns.addBlock(path, writer, previous, PIPELINE, now);
    allocated.add(b);
    return b;
  }

  private Inode file(String path, long... blockLengths) throws DfsException {
    ns.createFile(path, false, false, 3, 1 << 20, 0, "", "", "c1", 1);
    BlockInfo previous = null;
    for (long len : blockLengths) {
      BlockInfo b = addBlock(path, "c1", previous, 2);
      previous = b.toBuilder().setLength(len).build();
    }
    return ns.complete(path, "c1", previous, 3);
  }

  @Test
  void mkdirNeedsParentUnlessParentsAndRejectsExisting() throws Exception {
    assertThatThrownBy(() -> ns.mkdir("/a/b", false, 0, "", "", 1)).isInstanceOf(PathNotFoundException.class);
    ns.mkdir("/a/b/c", true, 0, "", "", 1);
    assertThat(ns.resolve("/a/b/c").isDirectory()).isTrue();
    assertThatThrownBy(() -> ns.mkdir("/a/b", false, 0, "", "", 1)).isInstanceOf(PathExistsException.class);
    ns.mkdir("/a/b", true, 0, "", "", 1); // -p on an existing directory is fine
    file("/a/f");
    assertThatThrownBy(() -> ns.mkdir("/a/f/x", true, 0, "", "", 1)).isInstanceOf(NotADirectoryException.class);
    assertThatThrownBy(() -> ns.mkdir("/a/f", false, 0, "", "", 1)).isInstanceOf(PathExistsException.class);
  }

  @Test
  void fileLifecycleTracksBlocksLengthAndWriter() throws Exception {
    ns.mkdir("/d", false, 0, "", "", 1);
    ns.createFile("/d/f", false, false, 3, 1 << 20, 0, "alice", "staff", "c1", 10);
    assertThat(ns.status(ns.resolve("/d/f")).getUnderConstruction()).isTrue();
    BlockInfo b1 = addBlock("/d/f", "c1", null, 11);
    assertThatThrownBy(() -> addBlock("/d/f", "other-client", null, 11))
        .isInstanceOf(DfsException.class).extracting(e -> ((DfsException) e).code()).isEqualTo(ErrorCode.FILE_NOT_OPEN);
    BlockInfo b2 = addBlock("/d/f", "c1", b1.toBuilder().setLength(1 << 20).build(), 12);
    assertThat(b2.getBlockId()).isNotEqualTo(b1.getBlockId());
    ns.complete("/d/f", "c1", b2.toBuilder().setLength(7).build(), 13);
    FileStatus st = ns.status(ns.resolve("/d/f"));
    assertThat(st.getLength()).isEqualTo((1 << 20) + 7);
    assertThat(st.getUnderConstruction()).isFalse();
    assertThat(st.getOwner()).isEqualTo("alice");
    assertThat(st.getMtimeMs()).isEqualTo(13);
    assertThat(ns.fileOfBlock(b1.getBlockId())).isSameAs(ns.resolve("/d/f"));
  }

  @Test
  void blockTableFollowsEveryBlockChangeWithoutTheNamespaceLock() throws Exception {
    ns.createFile("/f", false, false, 3, 1 << 20, 0, "", "", "c1", 1);
    assertThatThrownBy(() -> ns.addBlock("/f", "c1", null, List.of(), 2))
        .isInstanceOf(DfsException.class).extracting(e -> ((DfsException) e).code())
        .isEqualTo(ErrorCode.NOT_ENOUGH_NODES);
    assertThat(ns.resolve("/f").blocks()).isEmpty();
    BlockInfo b1 = addBlock("/f", "c1", null, 2);
    BlockTable.Entry e1 = ns.blockTable().get(b1.getBlockId());
    assertThat(e1.underConstruction()).isTrue();
    assertThat(e1.pipeline()).containsExactlyElementsOf(PIPELINE);
    assertThat(e1.committedMs()).isZero();
    BlockInfo bumped = ns.bumpGenerationStamp("/f", 0, "c1", b1.toBuilder().setLength(5).build(),
        List.of("n2"), List.of("n4"));
    BlockTable.Entry e2 = ns.blockTable().get(b1.getBlockId());
    assertThat(e2.block().getGenerationStamp()).isEqualTo(bumped.getGenerationStamp()).isGreaterThan(b1.getGenerationStamp());
    assertThat(e2.pipeline()).containsExactly("n1", "n3", "n4");
    ns.complete("/f", "c1", bumped.toBuilder().setLength(9).build(), 7);
    BlockTable.Entry done = ns.blockTable().get(b1.getBlockId());
    assertThat(done.underConstruction()).isFalse();
    assertThat(done.committedMs()).isEqualTo(7);
    assertThat(done.block().getLength()).isEqualTo(9);
    ns.setReplication("/f", 2, 8);
    assertThat(ns.blockTable().get(b1.getBlockId()).replication()).isEqualTo(2);
    ns.delete("/f", false, 9);
    Reaping.reapUnlinked(ns);
    assertThat(ns.blockTable().size()).isZero();
  }

  @Test
  void aBlockAllocatedButNeverWrittenIsDroppedWhenTheFileCompletes() throws Exception {
    ns.createFile("/empty", false, false, 3, 1 << 20, 0, "", "", "c1", 1);
    BlockInfo unused = addBlock("/empty", "c1", null, 2); // allocated with the file, no byte written
    ns.complete("/empty", "c1", null, 3);
    assertThat(ns.resolve("/empty").blocks()).isEmpty();
    assertThat(ns.blockTable().get(unused.getBlockId())).isNull();
    assertThat(ns.status(ns.resolve("/empty")).getUnderConstruction()).isFalse();
  }

  @Test
  void createRefusesExistingUnlessOverwriteWhichFreesOldBlocks() throws Exception {
    file("/f", 10, 20);
    assertThatThrownBy(() -> ns.createFile("/f", false, false, 3, 1 << 20, 0, "", "", "c2", 4))
        .isInstanceOf(PathExistsException.class);
    ns.createFile("/f", true, false, 3, 1 << 20, 0, "", "", "c2", 4);
    Reaping.reapUnlinked(ns);
    assertThat(freed()).isEqualTo(2);
    assertThat(ns.resolve("/f").length()).isZero();
    ns.mkdir("/dir", false, 0, "", "", 1);
    assertThatThrownBy(() -> ns.createFile("/dir", true, false, 3, 1 << 20, 0, "", "", "c2", 4))
        .isInstanceOf(IsADirectoryException.class);
    assertThatThrownBy(() -> ns.createFile("/missing/f", false, false, 3, 1 << 20, 0, "", "", "c2", 4))
        .isInstanceOf(PathNotFoundException.class);
    ns.createFile("/made/on/demand", false, true, 3, 1 << 20, 0, "", "", "c2", 4);
    assertThat(ns.resolve("/made/on").isDirectory()).isTrue();
  }

  @Test
  void timesSetToTheNanosecondKeepItUntilTheTimeChangesAndThroughTheImage() throws Exception {
    file("/f", 5);
    ns.setTimes("/f", 1_577_934_245_123L, 456_789, 1_557_126_489_987L, 654_321, 1_000);
    FileStatus st = ns.statusAt("/f");
    assertThat(st.getCtimeMs()).as("utimensat changes the change time").isEqualTo(1_000);
    assertThat(List.of(st.getMtimeMs(), (long) st.getMtimeNanos(), st.getAtimeMs(), (long) st.getAtimeNanos()))
        .containsExactly(1_577_934_245_123L, 456_789L, 1_557_126_489_987L, 654_321L);
    ByteArrayOutputStream image = new ByteArrayOutputStream();
    NamespaceImage.write(ns, image);
    FileStatus back = NamespaceImage.read(new ByteArrayInputStream(image.toByteArray())).statusAt("/f");
    assertThat(back).isEqualTo(st);
    assertThatThrownBy(() -> ns.setTimes("/f", 1, 1_000_000, -1, 0, 1_000)).isInstanceOf(InvalidPathException.class);

    ns.truncate("/f", 9, 2_000); // the namespace's own time: whole milliseconds
    assertThat(ns.statusAt("/f").getMtimeMs()).isEqualTo(2_000);
    assertThat(ns.statusAt("/f").getMtimeNanos()).isZero();
    assertThat(ns.statusAt("/f").getAtimeNanos()).as("the access time was not changed").isEqualTo(654_321);
  }

  @Test
  void deleteFileEmptyDirAndRecursiveTree() throws Exception {
    ns.mkdir("/t/a/b", true, 0, "", "", 1);
    file("/t/a/b/f1", 5);
    file("/t/a/f2", 6, 7);
    assertThatThrownBy(() -> ns.delete("/t", false, 2)).isInstanceOf(DirectoryNotEmptyException.class);
    ns.delete("/t/a/f2", false, 2);
    assertThat(freed()).as("kept while unlinked, for whoever has it open").isZero();
    Reaping.reapUnlinked(ns);
    assertThat(freed()).isEqualTo(2);
    ns.delete("/t", true, 3);
    Reaping.reapUnlinked(ns);
    assertThat(freed()).isEqualTo(3);
    assertThatThrownBy(() -> ns.resolve("/t")).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.delete("/t", true, 3)).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.delete("/", true, 3)).isInstanceOf(InvalidPathException.class);
    assertThat(ns.blockOwners()).isEmpty();
  }

  @Test
  void renameMovesAtomicallyAndRejectsCyclesAndClobbering() throws Exception {
    ns.mkdir("/src/sub", true, 0, "", "", 1);
    file("/src/sub/f", 3);
    ns.mkdir("/dst", false, 0, "", "", 1);
    ns.rename("/src/sub", "/dst/moved", false, 5);
    assertThat(ns.resolve("/dst/moved/f").length()).isEqualTo(3);
    assertThatThrownBy(() -> ns.resolve("/src/sub")).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.rename("/dst", "/dst/moved/inside", false, 6))
        .isInstanceOf(InvalidPathException.class);
    assertThatCode(() -> ns.rename("/dst", "/dst", false, 6)).doesNotThrowAnyException();
    file("/other", 9);
    assertThatThrownBy(() -> ns.rename("/other", "/dst/moved/f", false, 7)).isInstanceOf(PathExistsException.class);
    ns.rename("/other", "/dst/moved/f", true, 7);
    Reaping.reapUnlinked(ns);
    assertThat(ns.resolve("/dst/moved/f").length()).isEqualTo(9);
    assertThat(freed()).isEqualTo(1); // the replaced file's block
    assertThatThrownBy(() -> ns.rename("/dst/moved/f", "/src", true, 8)).isInstanceOf(IsADirectoryException.class);
    assertThatThrownBy(() -> ns.rename("/src", "/dst/moved/f", true, 8)).isInstanceOf(NotADirectoryException.class);
    assertThatThrownBy(() -> ns.rename("/nope", "/x", false, 8)).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.rename("/src", "/nope/x", false, 8)).isInstanceOf(PathNotFoundException.class);
  }

  @Test
  void attributesChange() throws Exception {
    file("/f", 1);
    ns.setTimes("/f", 100, 0, -1, 0, 7);
    ns.setPermission("/f", 0600, "bob", "", 9);
    ns.setReplication("/f", 2, 9);
    FileStatus st = ns.status(ns.resolve("/f"));
    assertThat(st.getMtimeMs()).isEqualTo(100);
    assertThat(st.getMode()).isEqualTo(0600);
    assertThat(st.getOwner()).isEqualTo("bob");
    assertThat(st.getGroup()).isEqualTo(Namespace.DEFAULT_OWNER);
    assertThat(st.getReplication()).isEqualTo(2);
    assertThatThrownBy(() -> ns.setReplication("/f", 0, 9)).isInstanceOf(InvalidPathException.class);
  }

  @Test
  void truncateAtBlockBoundaryFreesTrailingBlocks() throws Exception {
    file("/f", 100, 100, 50);
    ns.truncate("/f", 100, 5);
    assertThat(ns.resolve("/f").length()).isEqualTo(100);
    assertThat(freed()).isEqualTo(2);
    assertThatThrownBy(() -> ns.truncate("/f", 50, 5)).as("a cut inside a data block is the client's rewrite")
        .isInstanceOf(InvalidPathException.class);
    ns.truncate("/f", 0, 6);
    assertThat(ns.resolve("/f").blocks()).isEmpty();
  }

  @Test
  void aWriterCannotReportAGenerationStampTheNamespaceNeverIssued() throws Exception {
    ns.createFile("/w", false, false, 3, 1 << 20, 0, "", "", "c1", 1);
    BlockInfo b = addBlock("/w", "c1", null, 2);
    // a higher stamp would make every real replica of the block look stale
    BlockInfo forged = b.toBuilder().setGenerationStamp(b.getGenerationStamp() + 1000).setLength(10).build();
    assertThatThrownBy(() -> ns.complete("/w", "c1", forged, 3)).isInstanceOf(DfsException.class)
        .extracting(e -> ((DfsException) e).code()).isEqualTo(ErrorCode.STALE_GENERATION);
    assertThat(ns.resolve("/w").blocks().get(0).getGenerationStamp()).isEqualTo(b.getGenerationStamp());
    ns.complete("/w", "c1", b.toBuilder().setLength(10).build(), 4);
    assertThat(ns.resolve("/w").length()).isEqualTo(10);
  }

  @Test
  void growingATruncatedFileAddsAHoleThatHoldsNoBlock() throws Exception {
    file("/f", 100, 50);
    int indexed = ns.blockTable().size();
    ns.truncate("/f", 1L << 40, 5);
    Inode f = ns.resolve("/f");
    assertThat(f.length()).isEqualTo(1L << 40);
    assertThat(f.blocks()).hasSize(3);
    assertThat(f.blocks().get(2).getBlockId()).isZero();
    assertThat(ns.blockTable().size()).as("a hole is nothing to place or count").isEqualTo(indexed);
    ns.truncate("/f", (1L << 40) + 10, 6);
    assertThat(f.blocks()).as("holes merge").hasSize(3);
    ns.truncate("/f", 1000, 7);
    assertThat(f.blocks()).hasSize(3);
    assertThat(f.blocks().get(2).getLength()).as("a cut inside a hole shortens it").isEqualTo(850);
    assertThat(freed()).isZero();
    ns.truncate("/f", 100, 8);
    assertThat(f.blocks()).hasSize(1);
    assertThat(freed()).isEqualTo(1);
    assertThatThrownBy(() -> ns.truncate("/f", DfsFileSystem.MAX_FILE_SIZE + 1, 9))
        .isInstanceOf(FileTooLargeException.class);
  }

  @Test
  void holesSurviveASnapshot() throws Exception {
    file("/f", 100);
    ns.truncate("/f", 5000, 5);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(write(ns)));
    assertThat(copy.resolve("/f").length()).isEqualTo(5000);
    assertThat(copy.resolve("/f").blocks().get(1).getBlockId()).isZero();
    assertThat(copy.blockTable().size()).isEqualTo(1);
    copy.delete("/f", false, 6);
    Reaping.reapUnlinked(copy);
    assertThat(copy.blockTable().size()).isZero();
  }

  @Test
  void symlinksHoldTheirTargetAndAreNeverFollowed() throws Exception {
    ns.mkdir("/d", false, 0, "", "", 1);
    Inode link = ns.symlink("/d/link", "../elsewhere/x", "", "", 2);
    FileStatus st = ns.status(link);
    assertThat(st.getType()).isEqualTo(io.dfs.proto.FileType.SYMLINK);
    assertThat(st.getSymlinkTarget()).isEqualTo("../elsewhere/x");
    assertThat(st.getLength()).isEqualTo("../elsewhere/x".length());
    assertThatThrownBy(() -> ns.symlink("/d/link", "y", "", "", 3)).isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> ns.symlink("/nope/link", "y", "", "", 3)).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.symlink("/d/long", "x".repeat(4096), "", "", 3))
        .isInstanceOf(io.dfs.client.error.NameTooLongException.class);
    assertThatThrownBy(() -> ns.symlink("/d/empty", "", "", "", 3)).isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.resolveFile("/d/link")).isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.resolve("/d/link/below")).isInstanceOf(NotADirectoryException.class);
    ns.rename("/d/link", "/d/moved", false, 4);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(write(ns)));
    assertThat(copy.status(copy.resolve("/d/moved")).getSymlinkTarget()).isEqualTo("../elsewhere/x");
    assertThat(NamespaceImage.digest(copy)).isEqualTo(NamespaceImage.digest(ns));
    ns.delete("/d/moved", false, 5);
    assertThat(ns.list("/d", "", 0).getEntriesCount()).isZero();
  }

  @Test
  void listPagesInNameOrder() throws Exception {
    ns.mkdir("/big", false, 0, "", "", 1);
    for (int i = 0; i < 2500; i++) {
      ns.mkdir(String.format("/big/d%05d", i), false, 0, "", "", 1);
    }
    List<String> names = new ArrayList<>();
    String after = "";
    ListResponse page;
    do {
      page = ns.list("/big", after, 1000);
      page.getEntriesList().forEach(e -> names.add(e.getPath()));
      after = names.get(names.size() - 1).substring("/big/".length());
    } while (page.getHasMore());
    assertThat(names).hasSize(2500).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void imageRoundTripReproducesTheNamespaceExactly() throws Exception {
    ns.mkdir("/a/b", true, 0, "", "", 1);
    file("/a/b/f", 10, 20);
    ns.createFile("/a/open", false, false, 2, 1 << 20, 0, "", "", "c9", 5);
    byte[] image = write(ns);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(image));
    assertThat(NamespaceImage.digest(copy)).isEqualTo(NamespaceImage.digest(ns));
    assertThat(copy.resolve("/a/b/f").length()).isEqualTo(30);
    assertThat(copy.status(copy.resolve("/a/open")).getUnderConstruction()).isTrue();
    // counters continue where they were, so new ids never collide with restored ones
    assertThat(copy.mkdir("/n", false, 0, "", "", 9).id()).isEqualTo(ns.mkdir("/n", false, 0, "", "", 9).id());
  }

  @Test
  void corruptImageIsRejected() throws Exception {
    file("/f", 10);
    byte[] image = write(ns);
    image[image.length / 2] ^= 0x40;
    assertThatThrownBy(() -> NamespaceImage.read(new ByteArrayInputStream(image))).isInstanceOf(IOException.class);
  }

  private static byte[] write(Namespace ns) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NamespaceImage.write(ns, out);
    return out.toByteArray();
  }
}
