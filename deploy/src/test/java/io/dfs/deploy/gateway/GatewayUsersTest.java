package io.dfs.deploy.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.metadata.testing.DeadlockCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway user's token makes the gateway act as that user: the metadata service checks the
 * request against that user's permissions and what the user creates is theirs. Tokens are never
 * stored, and issuing or revoking one takes effect without a restart.
 */
class GatewayUsersTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static GatewayServer gateway;
  static Path usersFile;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    usersFile = dir.resolve("gateway.users");
    gateway = GatewayServer.start(cluster.config().with(GatewayUsers.FILE, usersFile.toString()), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  static HttpResponse<String> mkdir(String token, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/create_directory"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("directory_name=" + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aUsersTokenActsAsThatUserAndMeetsTheirPermissions() throws Exception {
    DfsFileSystem admin = cluster.newFileSystem("admin");
    admin.mkdir("/team", 0775, "root", "staff");
    admin.mkdir("/private", 0700, "root", "root");
    String alice = GatewayUsers.issue(usersFile, "alice", List.of("staff"));
    String bob = GatewayUsers.issue(usersFile, "bob", List.of());

    assertThat(mkdir(alice, "/team/alice").statusCode()).isEqualTo(201);
    assertThat(admin.stat("/team/alice").getOwner()).isEqualTo("alice");
    assertThat(mkdir(alice, "/private/alice").statusCode()).as("root's 0700 directory").isEqualTo(403);
    assertThat(mkdir(bob, "/team/bob").statusCode()).as("bob is not in staff").isEqualTo(403);
    assertThat(admin.exists("/private/alice") || admin.exists("/team/bob")).isFalse();
    assertThat(mkdir(gateway.token(), "/private/admin").statusCode()).as("the gateway's own token: its user")
        .isEqualTo(201);
  }

  @Test
  void tokensAreNotStoredAndARevokedOrReplacedTokenStopsWorkingAtOnce() throws Exception {
    DfsFileSystem fs = cluster.newFileSystem("check");
    fs.mkdir("/carol", 0755, "carol", "carol");
    String first = GatewayUsers.issue(usersFile, "carol", List.of());
    assertThat(mkdir(first, "/carol/1").statusCode()).isEqualTo(201);
    assertThat(Files.readString(usersFile)).doesNotContain(first).contains(GatewayUsers.digest(first));
    assertThat(Files.getPosixFilePermissions(usersFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    String second = GatewayUsers.issue(usersFile, "carol", List.of());
    assertThat(mkdir(first, "/carol/2").statusCode()).as("the replaced token").isEqualTo(401);
    assertThat(mkdir(second, "/carol/3").statusCode()).isEqualTo(201);

    assertThat(GatewayUsers.revoke(usersFile, "carol")).isTrue();
    assertThat(mkdir(second, "/carol/4").statusCode()).as("the revoked token").isEqualTo(401);
    assertThat(GatewayUsers.revoke(usersFile, "carol")).as("nothing left to revoke").isFalse();
    assertThat(fs.exists("/carol/2") || fs.exists("/carol/4")).isFalse();
  }
}
