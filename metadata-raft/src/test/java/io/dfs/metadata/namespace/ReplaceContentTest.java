package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dfs.client.error.AlreadyBeingCreatedException;
import io.dfs.client.error.DfsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.FileStatus;
import io.dfs.proto.XattrMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rewrite lands on the file's own inode: the new content's blocks move into it and its temporary
 * name goes; the file keeps its id, names, owner, mode and extended attributes, and its old blocks
 * are freed.
 */
class ReplaceContentTest {
  private final Namespace ns = new Namespace();

  private BlockInfo file(String path, String owner, int mode, long length, long now) throws DfsException {
    ns.createFile(path, false, false, 3, 1 << 20, mode, owner, "staff", "c1", now);
    BlockInfo b = ns.addBlock(path, "c1", null, List.of("n1", "n2", "n3"), now);
    ns.complete(path, "c1", b.toBuilder().setLength(length).build(), now);
    return b;
  }

  private boolean stored(BlockInfo b) {
    return ns.blockTable().get(b.getBlockId()) != null;
  }

  @Test
  void theFileKeepsItsInodeNamesAndAttributesAndTakesTheNewBlocks() throws Exception {
    ns.mkdir("/d", false, 0755, "", "", 1);
    BlockInfo old = file("/d/db", "alice", 0640, 100, 2);
    ns.link("/d/db", "/d/db-link", 3);
    ns.setXattr("/d/db", "user.tag", ByteString.copyFromUtf8("v1"), XattrMode.XATTR_SET, 4);
    FileStatus before = ns.statusAt("/d/db");
    BlockInfo fresh = file("/d/.db.rewrite", "bob", 0600, 250, 5);

    FileStatus after = ns.status(ns.replaceContent("/d/.db.rewrite", "/d/db", 6));

    assertThat(after.getInodeId()).isEqualTo(before.getInodeId());
    assertThat(after.getLength()).isEqualTo(250);
    assertThat(after.getOwner()).isEqualTo("alice");
    assertThat(after.getMode() & 07777).isEqualTo(0640);
    assertThat(after.getNlink()).isEqualTo(2);
    assertThat(after.getMtimeMs()).isEqualTo(6);
    assertThat(ns.resolve("/d/db-link").xattrs).containsKey("user.tag");
    assertThat(ns.statusAt("/d/db-link").getLength()).as("every name: one entry").isEqualTo(250);
    assertThatThrownBy(() -> ns.resolve("/d/.db.rewrite")).isInstanceOf(PathNotFoundException.class);
    assertThat(stored(old)).as("the old content's block is freed").isFalse();
    assertThat(stored(fresh)).isTrue();
    assertThat(ns.blockTable().get(fresh.getBlockId()).inodeId()).isEqualTo(before.getInodeId());
    assertThat(ns.fileOfBlock(fresh.getBlockId()).id()).isEqualTo(before.getInodeId());
  }

  @Test
  void contentStillBeingWrittenOrAFileBeingWrittenIsRefusedAndNothingChanges() throws Exception {
    BlockInfo old = file("/f", "alice", 0644, 10, 1);
    ns.createFile("/.f.rewrite", false, false, 3, 1 << 20, 0644, "alice", "staff", "c2", 2);
    assertThatThrownBy(() -> ns.replaceContent("/.f.rewrite", "/f", 3))
        .isInstanceOf(AlreadyBeingCreatedException.class);
    assertThat(ns.statusAt("/f").getLength()).isEqualTo(10);
    assertThat(stored(old)).isTrue();

    file("/g", "alice", 0644, 5, 4);
    ns.createFile("/open", false, false, 3, 1 << 20, 0644, "alice", "staff", "c3", 5);
    assertThatThrownBy(() -> ns.replaceContent("/g", "/open", 6)).isInstanceOf(AlreadyBeingCreatedException.class);
    assertThat(ns.statusAt("/g").getLength()).isEqualTo(5);
  }
}
