package io.dfs.metadata.namespace;

import static io.dfs.metadata.namespace.PermissionCheck.EXECUTE;
import static io.dfs.metadata.namespace.PermissionCheck.READ;
import static io.dfs.metadata.namespace.PermissionCheck.WRITE;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.PermissionDeniedException;
import io.dfs.proto.Caller;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which class of the mode bits applies to a caller: owner, then group, then other; by name or number. */
class PermissionCheckTest {
  private final Namespace ns = new Namespace();

  @BeforeEach
  void tree() throws Exception {
    ns.mkdir("/shared", false, 0750, "alice", "staff", 1);
    ns.createFile("/shared/report", false, false, 1, 1 << 20, 0640, "1000", "50", "w", 1);
  }

  private PermissionCheck caller(List<String> users, List<String> groups) {
    return new PermissionCheck(ns, Caller.newBuilder().addAllUsers(users).addAllGroups(groups).build());
  }

  @Test
  void theGroupBitsApplyToAMemberByGroupNameOrGid() throws Exception {
    PermissionCheck carolInStaffAnd50 = caller(List.of("carol", "1002"), List.of("staff", "50"));
    assertThatCode(() -> carolInStaffAnd50.entry("/shared/report", READ)).doesNotThrowAnyException();
    assertThatThrownBy(() -> carolInStaffAnd50.entry("/shared/report", WRITE))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> carolInStaffAnd50.parent("/shared/new", WRITE | EXECUTE))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("-wx needed on /shared");
  }

  @Test
  void othersGetTheOtherBitsAndTheOwnerMatchesByUid() throws Exception {
    PermissionCheck dave = caller(List.of("dave", "1003"), List.of("dave", "1003"));
    assertThatThrownBy(() -> dave.entry("/shared/report", 0)).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("--x needed on /shared");
    PermissionCheck aliceByUid = caller(List.of("alice", "1000"), List.of("staff"));
    assertThatCode(() -> aliceByUid.entry("/shared/report", READ | WRITE)).doesNotThrowAnyException();
    assertThatCode(() -> aliceByUid.owner("/shared/report")).doesNotThrowAnyException();
  }

  @Test
  void aSuperuserPassesEveryCheck() throws Exception {
    PermissionCheck root = new PermissionCheck(ns, Caller.newBuilder().addUsers("root").setSuperuser(true).build());
    assertThatCode(() -> {
      root.entry("/shared/report", READ | WRITE | EXECUTE);
      root.owner("/shared/report");
      root.subtree("/shared");
    }).doesNotThrowAnyException();
  }
}
