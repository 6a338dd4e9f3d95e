package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.error.PermissionDeniedException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hard links: several names, one entry; the entry and its blocks go with the last name. */
class HardLinkTest {
  private final Namespace ns = new Namespace();

  private BlockInfo file(String path) throws DfsException {
    ns.createFile(path, false, false, 3, 1 << 20, 0, "alice", "staff", "c1", 1);
    BlockInfo b = ns.addBlock(path, "c1", null, List.of("n1", "n2", "n3"), 2);
    ns.complete(path, "c1", b.toBuilder().setLength(100).build(), 3);
    return b;
  }

  private boolean stored(BlockInfo b) {
    return ns.blockTable().get(b.getBlockId()) != null;
  }

  @Test
  void bothNamesAreOneEntryUntilTheLastGoes() throws Exception {
    ns.mkdir("/a", false, 0, "", "", 1);
    ns.mkdir("/b", false, 0, "", "", 1);
    BlockInfo block = file("/a/f");
    ns.link("/a/f", "/b/g", 10);
    FileStatus viaG = ns.statusAt("/b/g");
    assertThat(viaG.getPath()).isEqualTo("/b/g");
    assertThat(viaG.getInodeId()).isEqualTo(ns.statusAt("/a/f").getInodeId());
    assertThat(viaG.getNlink()).isEqualTo(2);
    assertThat(viaG.getLength()).isEqualTo(100);
    assertThat(viaG.getCtimeMs()).as("a new name changes the entry").isEqualTo(10);
    ns.setPermission("/b/g", 0600, "", "", 11);
    assertThat(ns.statusAt("/a/f").getMode()).as("one entry: one mode").isEqualTo(0600);
    assertThat(ns.list("/b", "", 0).getEntries(0).getPath()).isEqualTo("/b/g");

    ns.delete("/a/f", false, 12); // the first name goes: /b/g takes over
    assertThat(stored(block)).isTrue();
    assertThat(ns.statusAt("/b/g").getNlink()).isEqualTo(1);
    assertThat(ns.resolve("/b/g").path()).isEqualTo("/b/g");
    assertThatThrownBy(() -> ns.resolve("/a/f")).isInstanceOf(PathNotFoundException.class);
    ns.delete("/b/g", false, 13);
    assertThat(stored(block)).as("kept unlinked for whoever has it open").isTrue();
    Reaping.reapUnlinked(ns);
    assertThat(stored(block)).as("freed once reaped").isFalse();
  }

  @Test
  void renamingEitherNameMovesOnlyThatName() throws Exception {
    BlockInfo block = file("/f");
    ns.link("/f", "/g", 2);
    ns.rename("/g", "/h", false, 3);
    assertThat(ns.statusAt("/h").getNlink()).isEqualTo(2);
    assertThat(ns.resolve("/f")).isSameAs(ns.resolve("/h"));
    assertThatThrownBy(() -> ns.resolve("/g")).isInstanceOf(PathNotFoundException.class);
    ns.rename("/f", "/h", true, 4); // two names of one entry: nothing happens, as POSIX says
    assertThat(ns.statusAt("/f").getNlink()).isEqualTo(2);
    ns.rename("/f", "/e", false, 5);
    ns.delete("/h", false, 6);
    assertThat(ns.resolve("/e").path()).isEqualTo("/e");
    assertThat(stored(block)).isTrue();
  }

  @Test
  void replacingOrDeletingATreeKeepsTheNamesOutsideIt() throws Exception {
    ns.mkdir("/tree/sub", true, 0, "", "", 1);
    BlockInfo inside = file("/tree/sub/f");
    BlockInfo both = file("/tree/both");
    ns.link("/tree/sub/f", "/kept", 2);
    ns.link("/tree/both", "/tree/sub/both2", 2);
    BlockInfo other = file("/other");
    ns.link("/other", "/tree/other-link", 2);
    ns.delete("/tree", true, 3);
    Reaping.reapUnlinked(ns);
    assertThat(stored(inside)).as("still named /kept").isTrue();
    assertThat(ns.statusAt("/kept").getNlink()).isEqualTo(1);
    assertThat(stored(both)).as("both names were in the tree").isFalse();
    assertThat(ns.statusAt("/other").getNlink()).isEqualTo(1);
    assertThat(stored(other)).isTrue();

    ns.link("/kept", "/k2", 4);
    ns.createFile("/k2", true, false, 3, 1 << 20, 0, "", "", "c2", 5); // a new file under that name
    assertThat(stored(inside)).as("still named /kept").isTrue();
    assertThat(ns.statusAt("/kept").getNlink()).isEqualTo(1);
    file("/x");
    ns.link("/kept", "/k3", 6);
    ns.rename("/x", "/k3", true, 7); // replaces one name of /kept's entry
    assertThat(ns.statusAt("/kept").getNlink()).isEqualTo(1);
    assertThat(stored(inside)).isTrue();
  }

  @Test
  void directoriesAndTakenNamesAreRefused() throws Exception {
    ns.mkdir("/d", false, 0, "", "", 1);
    file("/f");
    assertThatThrownBy(() -> ns.link("/d", "/d2", 2)).isInstanceOf(PermissionDeniedException.class)
        .extracting(e -> ((DfsException) e).code()).isEqualTo(ErrorCode.NOT_PERMITTED);
    assertThatThrownBy(() -> ns.link("/f", "/d", 2)).isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> ns.link("/f", "/missing/g", 2)).isInstanceOf(PathNotFoundException.class);
    assertThatThrownBy(() -> ns.link("/nope", "/g", 2)).isInstanceOf(PathNotFoundException.class);
    ns.symlink("/s", "/f", "", "", 3);
    ns.link("/s", "/s2", 4);
    assertThat(ns.statusAt("/s2").getSymlinkTarget()).isEqualTo("/f");
  }

  @Test
  void theImageKeepsEveryNameAndCountsEachEntryOnce() throws Exception {
    ns.mkdir("/a/b", true, 0, "", "", 1);
    BlockInfo block = file("/a/f");
    ns.link("/a/f", "/a/b/g", 2);
    ns.link("/a/f", "/a/h", 2);
    ns.link("/a/f", "/z", 2);
    assertThat(ns.counts()[0]).as("one file").isEqualTo(1);
    assertThat(ns.counts()[3]).as("three further names").isEqualTo(3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NamespaceImage.write(ns, out);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(out.toByteArray()));
    assertThat(NamespaceImage.digest(copy)).isEqualTo(NamespaceImage.digest(ns));
    assertThat(copy.resolve("/z")).isSameAs(copy.resolve("/a/f")).isSameAs(copy.resolve("/a/b/g"));
    assertThat(copy.statusAt("/a/h").getNlink()).isEqualTo(4);
    for (String name : new String[] {"/a/f", "/a/b/g", "/a/h"}) {
      copy.delete(name, false, 3);
    }
    assertThat(copy.blockTable().get(block.getBlockId())).isNotNull();
    assertThat(copy.resolve("/z").path()).isEqualTo("/z");
    copy.delete("/z", false, 4);
    Reaping.reapUnlinked(copy);
    assertThat(copy.blockTable().get(block.getBlockId())).isNull();
  }
}
