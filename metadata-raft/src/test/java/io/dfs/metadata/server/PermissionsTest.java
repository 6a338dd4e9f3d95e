package io.dfs.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.client.error.PermissionDeniedException;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.metadata.rpc.CallerIdentity;
import io.dfs.metadata.testing.MetadataTestCluster;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.SetPermissionRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata service holds every caller to the mode bits, owners and sticky bits of the
 * namespace, whatever client it uses: alice and bob connect with certificates of their own (so
 * they are who their certificates say), the administrator through the trusted client identity as
 * a superuser.
 */
class PermissionsTest {
  @TempDir static Path dir;
  static MetadataTestCluster cluster;
  static MetadataClient admin;
  static MetadataClient alice;
  static MetadataClient bob;

  @BeforeAll
  static void start() throws Exception {
    cluster = MetadataTestCluster.start(dir, 3, Map.of(CallerIdentity.SUPERUSERS, System.getProperty("user.name")));
    admin = cluster.newClient("admin");
    alice = as("alice");
    bob = as("bob");
    admin.mkdir(MkdirRequest.newBuilder().setPath("/home/alice").setParents(true).setMode(0755).setOwner("alice")
        .setGroup("alice").build());
    admin.mkdir(MkdirRequest.newBuilder().setPath("/tmp").setMode(01777).build());
  }

  private static MetadataClient as(String user) {
    return MetadataClient.connect(cluster.config(), user,
        cluster.tls(new ServiceIdentity(user, ServiceIdentity.Role.CLIENT)));
  }

  @AfterAll
  static void stop() throws Exception {
    for (MetadataClient c : new MetadataClient[] {admin, alice, bob}) {
      c.close();
    }
    cluster.close();
  }

  private static void file(MetadataClient c, String path, int mode) throws Exception {
    c.createOpen(CreateFileRequest.newBuilder().setPath(path).setMode(mode).setClientId(c.clientId()).build());
    c.complete(CompleteFileRequest.newBuilder().setPath(path).setClientId(c.clientId()).build());
  }

  @Test
  void aUserAddsAndRemovesNamesOnlyWhereTheModeBitsLetIt() throws Exception {
    file(alice, "/home/alice/notes", 0644);
    assertThat(alice.stat("/home/alice/notes").getOwner()).isEqualTo("alice");
    assertThat(alice.stat("/home/alice/notes").getGroup()).as("the directory's group").isEqualTo("alice");
    assertThatThrownBy(() -> file(bob, "/home/alice/intruder", 0644)).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("bob").hasMessageContaining("-wx needed on /home/alice");
    assertThatThrownBy(() -> bob.mkdir(MkdirRequest.newBuilder().setPath("/home/alice/d").build()))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bob.delete("/home/alice/notes", false)).isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> bob.rename(RenameRequest.newBuilder().setSource("/home/alice/notes")
        .setDestination("/tmp/stolen").build())).isInstanceOf(PermissionDeniedException.class);
    assertThat(admin.stat("/home/alice/notes").getOwner()).isEqualTo("alice");
    assertThat(admin.list("/home/alice", "", 100).getEntriesList()).extracting(s -> s.getPath())
        .containsExactly("/home/alice/notes");
  }

  @Test
  void readingNeedsReadOnTheFileAndSearchOnEveryDirectoryOnTheWay() throws Exception {
    admin.mkdir(MkdirRequest.newBuilder().setPath("/home/alice/private").setMode(0700).setOwner("alice").build());
    file(alice, "/home/alice/secret", 0600);
    file(alice, "/home/alice/private/diary", 0644);
    assertThatThrownBy(() -> bob.getBlockLocations("/home/alice/secret", 0, 0))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("r-- needed on /home/alice/secret");
    assertThat(bob.stat("/home/alice/secret").getOwner()).isEqualTo("alice"); // search on the way is enough
    assertThatThrownBy(() -> bob.stat("/home/alice/private/diary")).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("--x needed on /home/alice/private");
    assertThatThrownBy(() -> bob.list("/home/alice/private", "", 10)).isInstanceOf(PermissionDeniedException.class);
    assertThat(alice.getBlockLocations("/home/alice/secret", 0, 0)).isNotNull();
    assertThat(alice.list("/home/alice/private", "", 10).getEntriesCount()).isEqualTo(1);
  }

  @Test
  void onlyTheOwnerChangesModesAndOnlyASuperuserGivesAnEntryAway() throws Exception {
    file(alice, "/home/alice/mine", 0644);
    assertThatThrownBy(() -> bob.setPermission(SetPermissionRequest.newBuilder().setPath("/home/alice/mine")
        .setMode(0777).build())).isInstanceOf(PermissionDeniedException.class);
    alice.setPermission(SetPermissionRequest.newBuilder().setPath("/home/alice/mine").setMode(0600).build());
    assertThatThrownBy(() -> alice.setPermission(SetPermissionRequest.newBuilder().setPath("/home/alice/mine")
        .setMode(-1).setOwner("bob").build())).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("only a superuser");
    assertThatThrownBy(() -> alice.createOpen(CreateFileRequest.newBuilder().setPath("/home/alice/for-bob")
        .setOwner("bob").setClientId(alice.clientId()).build())).isInstanceOf(PermissionDeniedException.class);
    admin.setPermission(SetPermissionRequest.newBuilder().setPath("/home/alice/mine").setMode(-1).setOwner("bob")
        .build());
    assertThat(admin.stat("/home/alice/mine").getOwner()).isEqualTo("bob");
    assertThat(admin.stat("/home/alice/mine").getMode() & 0777).isEqualTo(0600);
  }

  @Test
  void aStickyDirectoryLetsOnlyTheOwnerRemoveOrReplaceAName() throws Exception {
    file(alice, "/tmp/alices", 0666);
    assertThatThrownBy(() -> bob.delete("/tmp/alices", false)).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("sticky");
    file(bob, "/tmp/bobs", 0644);
    assertThatThrownBy(() -> bob.rename(RenameRequest.newBuilder().setSource("/tmp/bobs").setDestination("/tmp/alices")
        .setOverwrite(true).build())).isInstanceOf(PermissionDeniedException.class);
    bob.delete("/tmp/bobs", false);
    assertThat(admin.list("/tmp", "", 10).getEntriesList()).extracting(s -> s.getPath()).containsExactly("/tmp/alices");
  }

  @Test
  void aRecursiveDeleteNeedsWriteOnEveryDirectoryItEmpties() throws Exception {
    alice.mkdir(MkdirRequest.newBuilder().setPath("/home/alice/tree/locked").setParents(true).build());
    file(alice, "/home/alice/tree/locked/f", 0644);
    alice.setPermission(SetPermissionRequest.newBuilder().setPath("/home/alice/tree/locked").setMode(0555).build());
    assertThatThrownBy(() -> alice.delete("/home/alice/tree", true)).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("/home/alice/tree/locked");
    assertThat(alice.stat("/home/alice/tree/locked/f").getOwner()).isEqualTo("alice");
    admin.delete("/home/alice/tree", true);
  }
}
