package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.XattrNotFoundException;
import io.dfs.client.error.XattrTooBigException;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.XattrMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** FIFOs, sockets and devices as entries; extended attributes with Linux's rules and limits. */
class SpecialFilesAndXattrsTest {
  private final Namespace ns = new Namespace();

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void specialFilesAreEntriesWithATypeAndADeviceNumber() throws Exception {
    ns.mknod("/pipe", FileType.FIFO, 0640, 99, "7", "8", 1);
    ns.mknod("/null", FileType.CHARACTER_DEVICE, 0666, (1 << 8) | 3, "", "", 1);
    ns.mknod("/sock", FileType.SOCKET, 0755, 0, "", "", 1);
    FileStatus pipe = ns.statusAt("/pipe");
    assertThat(pipe.getType()).isEqualTo(FileType.FIFO);
    assertThat(pipe.getMode()).isEqualTo(0640);
    assertThat(pipe.getRdev()).as("only devices keep a device number").isZero();
    assertThat(pipe.getOwner()).isEqualTo("7");
    assertThat(ns.statusAt("/null").getRdev()).isEqualTo((1 << 8) | 3);
    assertThatThrownBy(() -> ns.mknod("/f", FileType.REGULAR_FILE, 0644, 0, "", "", 2))
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.mknod("/d", FileType.DIRECTORY, 0755, 0, "", "", 2))
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.mknod("/pipe", FileType.FIFO, 0644, 0, "", "", 2)).isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> ns.resolveFile("/pipe")).as("no content to open or write here")
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.createFile("/null/x", false, false, 3, 1 << 20, 0, "", "", "c", 3))
        .isInstanceOf(io.dfs.client.error.NotADirectoryException.class);
    ns.link("/pipe", "/pipe2", 4);
    assertThat(ns.statusAt("/pipe2").getNlink()).isEqualTo(2);
    ns.rename("/sock", "/sock2", false, 5);
    ns.delete("/sock2", false, 6);
    assertThat(ns.counts()[0]).as("pipe (two names) and null").isEqualTo(2);
  }

  @Test
  void extendedAttributesFollowSetxattrsRules() throws Exception {
    ns.mkdir("/d", false, 0, "", "", 1);
    assertThat(ns.statusAt("/d").getHasXattrs()).isFalse();
    ns.setXattr("/d", "user.origin", bytes("camera"), XattrMode.XATTR_SET, 5);
    FileStatus st = ns.statusAt("/d");
    assertThat(st.getHasXattrs()).isTrue();
    assertThat(st.getCtimeMs()).isEqualTo(5);
    assertThat(ns.xattrs("/d")).containsEntry("user.origin", bytes("camera"));
    assertThatThrownBy(() -> ns.setXattr("/d", "user.origin", bytes("x"), XattrMode.XATTR_CREATE, 6))
        .isInstanceOf(PathExistsException.class);
    assertThatThrownBy(() -> ns.setXattr("/d", "user.other", bytes("x"), XattrMode.XATTR_REPLACE, 6))
        .isInstanceOf(XattrNotFoundException.class);
    ns.setXattr("/d", "user.origin", bytes("phone"), XattrMode.XATTR_REPLACE, 7);
    ns.setXattr("/d", "user.empty", ByteString.EMPTY, XattrMode.XATTR_CREATE, 7);
    assertThat(ns.xattrs("/d")).containsOnlyKeys("user.empty", "user.origin").containsEntry("user.origin", bytes("phone"));
    ns.removeXattr("/d", "user.origin", 8);
    ns.removeXattr("/d", "user.empty", 8);
    assertThat(ns.statusAt("/d").getHasXattrs()).isFalse();
    assertThatThrownBy(() -> ns.removeXattr("/d", "user.origin", 9)).isInstanceOf(XattrNotFoundException.class);
    assertThatThrownBy(() -> ns.setXattr("/d", "u".repeat(256), bytes("x"), XattrMode.XATTR_SET, 9))
        .isInstanceOf(InvalidPathException.class);
    assertThatThrownBy(() -> ns.setXattr("/d", "", bytes("x"), XattrMode.XATTR_SET, 9))
        .isInstanceOf(InvalidPathException.class);
  }

  @Test
  void anEntrysAttributesAreBoundedTogether() throws Exception {
    ns.mknod("/p", FileType.FIFO, 0644, 0, "", "", 1);
    ByteString half = ByteString.copyFrom(new byte[30_000]);
    ns.setXattr("/p", "user.a", half, XattrMode.XATTR_SET, 2);
    ns.setXattr("/p", "user.b", half, XattrMode.XATTR_SET, 2);
    assertThatThrownBy(() -> ns.setXattr("/p", "user.c", half, XattrMode.XATTR_SET, 3))
        .isInstanceOf(XattrTooBigException.class);
    ns.setXattr("/p", "user.a", ByteString.copyFrom(new byte[35_000]), XattrMode.XATTR_SET, 3); // replaces: fits
    assertThat(ns.xattrs("/p").get("user.a").size()).isEqualTo(35_000);
    assertThatThrownBy(() -> ns.setXattr("/p", "user.a", ByteString.copyFrom(new byte[36_000]), XattrMode.XATTR_SET, 4))
        .isInstanceOf(XattrTooBigException.class);
  }

  @Test
  void theImageKeepsTypesDevicesAndAttributesTheSameOnEveryPeer() throws Exception {
    ns.mknod("/blk", FileType.BLOCK_DEVICE, 0660, (8 << 8) | 1, "", "", 1);
    ns.mkdir("/d", false, 0, "", "", 1);
    for (String name : new String[] {"user.z", "user.a", "trusted.m"}) {
      ns.setXattr("/d", name, bytes(name), XattrMode.XATTR_SET, 2);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NamespaceImage.write(ns, out);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(out.toByteArray()));
    assertThat(NamespaceImage.digest(copy)).isEqualTo(NamespaceImage.digest(ns));
    assertThat(copy.statusAt("/blk").getType()).isEqualTo(FileType.BLOCK_DEVICE);
    assertThat(copy.statusAt("/blk").getRdev()).isEqualTo((8 << 8) | 1);
    assertThat(copy.xattrs("/d")).isEqualTo(ns.xattrs("/d")).hasSize(3);
    // the same attributes set in another order make the same image
    Namespace other = new Namespace();
    other.mknod("/blk", FileType.BLOCK_DEVICE, 0660, (8 << 8) | 1, "", "", 1);
    other.mkdir("/d", false, 0, "", "", 1);
    for (String name : new String[] {"trusted.m", "user.a", "user.z"}) {
      other.setXattr("/d", name, bytes(name), XattrMode.XATTR_SET, 2);
    }
    assertThat(NamespaceImage.digest(other)).isEqualTo(NamespaceImage.digest(ns));
  }
}
