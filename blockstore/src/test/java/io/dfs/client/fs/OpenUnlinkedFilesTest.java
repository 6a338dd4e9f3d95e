package io.dfs.client.fs;

import static io.dfs.client.fs.FileRoundTripTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.error.DfsException;
import io.dfs.metadata.testing.DeadlockCheck;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POSIX's open files across clients: a file another client unlinks, renames or replaces stays the
 * file of those who have it open. Readers holding it (LockKind.OPEN) keep reading it after the
 * unlink, past the leader's grace period (2 s in these clusters), and its blocks go once the last
 * hold does; writers keep writing a file renamed or unlinked under them.
 */
class OpenUnlinkedFilesTest {
  static final int MiB = 1 << 20;
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  /** Two clients, as on two machines: one has files open, the other changes their names. */
  static DfsFileSystem mine;
  static DfsFileSystem other;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    mine = cluster.newFileSystem("mine");
    other = cluster.newFileSystem("other");
  }

  @AfterAll
  static void stop() {
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  private static void put(DfsFileSystem fs, String path, byte[] data) throws Exception {
    try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
      out.write(data);
    }
  }

  private static LockRequest open(long inodeId, LockType type) {
    return LockRequest.newBuilder().setInodeId(inodeId).setKind(LockKind.OPEN).setType(type).setOwner(1).build();
  }

  private static boolean anyReplica(List<LocatedBlock> blocks) throws Exception {
    for (LocatedBlock b : blocks) {
      if (cluster.replicaCount(b.getBlock().getBlockId()) > 0) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aFileHeldOpenIsReadWholeAfterAnotherClientDeletesItAndGoesWithItsLastHold() throws Exception {
    DfsFileSystem reader = mine;
    byte[] data = random(3 * MiB + 17, 1);
    put(other, "/f", data);
    long id = reader.stat("/f").getInodeId();
    List<LocatedBlock> blocks = DataPathFaultTest.blocks(reader, "/f");
    reader.lock(open(id, LockType.SHARED));

    other.delete("/f", false);
    assertThat(other.exists("/f")).isFalse();
    Thread.sleep(5_000); // past the 2 s grace: several monitor passes, node heartbeats and deletions
    assertThat(anyReplica(blocks)).as("the held file's blocks are kept").isTrue();
    try (DfsInputStream in = reader.open("/f", id)) {
      assertThat(Arrays.equals(in.readAllBytes(), data)).as("read whole after the unlink").isTrue();
    }

    reader.lock(open(id, LockType.UNLOCK));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> !anyReplica(blocks));
    assertThatThrownBy(() -> reader.open("/f", id)).isInstanceOf(DfsException.class)
        .satisfies(e -> assertThat(((DfsException) e).code()).isEqualTo(ErrorCode.STALE_FILE_HANDLE));
  }

  @Test
  void aReaderOfAFileReplacedByRenameKeepsReadingItsOwnFile() throws Exception {
    DfsFileSystem reader = mine;
    byte[] f = random(2 * MiB, 2);
    byte[] g = random(2 * MiB, 3);
    put(other, "/F", f);
    put(other, "/G", g);
    long id = reader.stat("/F").getInodeId();
    reader.lock(open(id, LockType.SHARED));
    other.rename("/G", "/F", true);
    Thread.sleep(4_000);
    try (DfsInputStream in = reader.open("/F", id)) {
      assertThat(Arrays.equals(in.readAllBytes(), f)).as("the descriptor's file, not the one now at its name").isTrue();
    }
    try (DfsInputStream in = reader.open("/F")) {
      assertThat(Arrays.equals(in.readAllBytes(), g)).as("the name's new file for a new open").isTrue();
    }
  }

  @Test
  void aWriterKeepsWritingAFileAnotherClientRenamesAndOneItDeletes() throws Exception {
    DfsFileSystem writer = mine;
    byte[] data = random(3 * MiB + 5, 4);
    try (OutputStream out = writer.create("/w", CreateOptions.defaults())) {
      out.write(data, 0, MiB + 100); // into the second block
      other.rename("/w", "/moved", false);
      out.write(data, MiB + 100, data.length - (MiB + 100)); // two more blocks, asked for by inode id
    }
    try (DfsInputStream in = other.open("/moved")) {
      assertThat(Arrays.equals(in.readAllBytes(), data)).as("every byte under the new name").isTrue();
    }

    OutputStream out = writer.create("/doomed", CreateOptions.defaults());
    out.write(data, 0, MiB + 100);
    other.delete("/doomed", false);
    out.write(data, MiB + 100, MiB);
    out.close(); // as on a local disk: writing a file unlinked meanwhile is no error
    assertThat(other.exists("/doomed")).isFalse();
  }
}
