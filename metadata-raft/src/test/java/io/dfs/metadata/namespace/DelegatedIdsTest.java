package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.DfsException;
import io.dfs.metadata.namespace.image.DelegationRecord;
import io.dfs.proto.DelegationGrant;
import io.dfs.proto.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The inode ids reserved for a session's entries made without waiting: they serve every directory
 * the session holds, including the ones it made that way, each is taken once, and they go with the
 * session's last directory (so a holder cut off and granted again cannot reuse them).
 */
class DelegatedIdsTest {
  private final Namespace ns = new Namespace();

  private Inode create(String path, long chosenId, String who) throws DfsException {
    return ns.createFile(path, false, false, 1, 1 << 20, 0, "", "", "writer-" + who, 1, chosenId, who);
  }

  private static ErrorCode code(ThrowingCall call) {
    try {
      call.run();
    } catch (DfsException e) {
      return e.code();
    }
    throw new AssertionError("no error");
  }

  private interface ThrowingCall {
    void run() throws DfsException;
  }

  @Test
  void aSessionsIdsServeEveryDirectoryItHoldsAndGoWithItsLastOne() throws Exception {
    ns.mkdir("/a", false, 0, "", "", 1);
    ns.mkdir("/b", false, 0, "", "", 1);
    DelegationGrant g = ns.delegate("/a", "s", true);
    assertThat(g.getInodeIdCount()).isEqualTo(Delegations.INODE_IDS_PER_GRANT);
    assertThat(ns.delegate("/b", "s", false).getInodeIdCount()).isZero();
    long first = g.getFirstInodeId();

    assertThat(create("/b/f", first, "s").id).isEqualTo(first);
    Inode made = ns.mkdir("/a/c", false, 0, "", "", 2, first + 1, "s");
    assertThat(made.id).isEqualTo(first + 1);
    ns.delegate("/a/c", "s", false);
    assertThat(create("/a/c/x", first + 2, "s").id).isEqualTo(first + 2);
    assertThat(code(() -> create("/a/y", first + 2, "s"))).as("an id is taken once").isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(code(() -> create("/a/y", first + 3, "other"))).as("the directory is not the other's")
        .isEqualTo(ErrorCode.DELEGATED);
    assertThat(ns.delegations().idRanges("s")).containsExactly(first);

    ns.returnDelegation(ns.resolve("/a").id, "s");
    ns.returnDelegation(ns.resolve("/b").id, "s");
    assertThat(ns.delegations().idRanges("s")).as("still holds /a/c").containsExactly(first);
    ns.returnDelegation(made.id, "s");
    assertThat(ns.delegations().idRanges("s")).isEmpty();

    DelegationGrant again = ns.delegate("/a", "s", true);
    assertThat(again.getFirstInodeId()).isGreaterThanOrEqualTo(first + Delegations.INODE_IDS_PER_GRANT);
    assertThat(code(() -> create("/a/z", first + 3, "s"))).as("ids of an earlier hold are gone")
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(create("/a/z", again.getFirstInodeId(), "s").id).isEqualTo(again.getFirstInodeId());
  }

  @Test
  void moreIdsAreReservedOnlyForASessionHoldingADirectory() throws Exception {
    assertThat(code(() -> ns.delegate("", "s", true))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    ns.mkdir("/a", false, 0, "", "", 1);
    DelegationGrant first = ns.delegate("/a", "s", true);
    DelegationGrant more = ns.delegate("", "s", true);
    assertThat(more.getDirId()).isZero();
    assertThat(more.getInodeIdCount()).isEqualTo(Delegations.INODE_IDS_PER_GRANT);
    assertThat(ns.delegations().idRanges("s")).containsExactly(first.getFirstInodeId(), more.getFirstInodeId());
    assertThat(create("/a/f", more.getFirstInodeId() + 7, "s").id).isEqualTo(more.getFirstInodeId() + 7);
  }

  @Test
  void aRangeWhoseIdsAreAllTakenIsDropped() throws Exception {
    ns.mkdir("/a", false, 0, "", "", 1);
    DelegationGrant g = ns.delegate("/a", "s", true);
    for (int i = 0; i < g.getInodeIdCount(); i++) {
      create("/a/f" + i, g.getFirstInodeId() + i, "s");
    }
    assertThat(ns.delegations().idRanges("s")).isEmpty();
    assertThat(ns.delegations().holder(ns.resolve("/a").id)).isEqualTo("s");
  }

  @Test
  void theImageKeepsDelegationsAndReservedIds() throws Exception {
    ns.mkdir("/a", false, 0, "", "", 1);
    DelegationGrant g = ns.delegate("/a", "s", true);
    create("/a/f", g.getFirstInodeId() + 1, "s");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    NamespaceImage.write(ns, out);
    Namespace copy = NamespaceImage.read(new ByteArrayInputStream(out.toByteArray()));
    assertThat(NamespaceImage.digest(copy)).isEqualTo(NamespaceImage.digest(ns));
    assertThat(copy.delegations().holder(copy.resolve("/a").id)).isEqualTo("s");
    assertThat(copy.delegations().idRanges("s")).containsExactly(g.getFirstInodeId());
    long used = g.getFirstInodeId() + 1;
    assertThatThrownBy(() -> copy.createFile("/a/g", false, false, 1, 1 << 20, 0, "", "", "w", 2, used, "s"))
        .isInstanceOf(DfsException.class);
    assertThat(copy.createFile("/a/g", false, false, 1, 1 << 20, 0, "", "", "w", 2, used + 1, "s").id)
        .isEqualTo(used + 1);
  }

  @Test
  void aVersion4DelegationBringsItsIdsToItsSession() throws Exception {
    Inode dir = ns.mkdir("/a", false, 0, "", "", 1);
    ns.delegations().restore(DelegationRecord.newBuilder().setDirId(dir.id).setHolder("s").setFirstInodeId(5000)
        .setInodeIdCount(16).setUsed(com.google.protobuf.ByteString.copyFrom(new byte[] {1})).build(), dir);
    assertThat(ns.delegations().idRanges("s")).containsExactly(5000L);
    assertThat(code(() -> create("/a/f", 5000, "s"))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(create("/a/f", 5001, "s").id).isEqualTo(5001);
  }
}
