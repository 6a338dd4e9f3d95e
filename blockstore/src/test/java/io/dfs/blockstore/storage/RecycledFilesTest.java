package io.dfs.blockstore.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.BlockInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deleted replica's files become later replicas' files instead of being freed and allocated again. */
class RecycledFilesTest {
  private static final int BPC = 512;
  private static final RecycledFiles.Recycling AT_ONCE = new RecycledFiles.Recycling(100, Duration.ZERO);

  @TempDir Path dir;

  @Test
  void aDeletedReplicasFilesBecomeTheNextReplicasFilesWithNothingOfTheOldBytes() throws Exception {
    BlockStore store = started(AT_ONCE);
    Replica old = write(store, 1, bytes(3000, 7));
    Set<Object> oldInodes = Set.of(inode(old.data()), inode(old.meta()));
    assertThat(store.delete(old.block())).isTrue();
    assertThat(old.data()).doesNotExist();
    assertThat(store.keptFiles()).isEqualTo(2);
    assertThat(store.used()).isZero();

    byte[] content = bytes(700, 9);
    Replica next = write(store, 2, content);

    assertThat(Set.of(inode(next.data()), inode(next.meta()))).isEqualTo(oldInodes);
    assertThat(store.keptFiles()).isZero();
    assertThat(Files.readAllBytes(next.data())).isEqualTo(content);
    assertThat(ReplicaVerifier.intactPrefix(next.data(), next.meta(), BPC)).isEqualTo(content.length);
    assertThat(Files.size(next.meta())).isEqualTo(ReplicaMeta.HEADER + 2 * 4);
  }

  @Test
  void aFileRestsForTheQuarantineBeforeAnotherReplicaGetsIt() throws Exception {
    BlockStore store = started(new RecycledFiles.Recycling(100, Duration.ofHours(1)));
    Replica old = write(store, 1, bytes(3000, 7));
    Object oldData = inode(old.data());
    store.delete(old.block());

    Replica next = write(store, 2, bytes(700, 9));

    assertThat(inode(next.data())).isNotEqualTo(oldData);
    assertThat(store.keptFiles()).isEqualTo(2);
  }

  @Test
  void pastTheBoundFilesAreDeleted() throws Exception {
    BlockStore store = started(new RecycledFiles.Recycling(3, Duration.ZERO));
    Replica a = write(store, 1, bytes(100, 1));
    Replica b = write(store, 2, bytes(100, 2));
    store.delete(a.block());
    store.delete(b.block());

    assertThat(store.keptFiles()).isEqualTo(3);
    assertThat(b.meta()).doesNotExist();
    try (Stream<Path> kept = Files.list(recycleArea())) {
      assertThat(kept.count()).isEqualTo(3);
    }
  }

  @Test
  void filesACrashLeftWithBytesAreEmptiedAtStartAndReused() throws Exception {
    Files.createDirectories(recycleArea());
    Path leftover = Files.write(recycleArea().resolve("41"), bytes(5000, 3));
    Object leftoverInode = inode(leftover);

    BlockStore store = started(new RecycledFiles.Recycling(100, Duration.ofHours(1)));
    assertThat(Files.size(leftover)).isZero();
    byte[] content = bytes(600, 4);
    Replica next = write(store, 1, content);

    assertThat(inode(next.data())).isEqualTo(leftoverInode);
    assertThat(Files.readAllBytes(next.data())).isEqualTo(content);
  }

  private BlockStore started(RecycledFiles.Recycling recycling) throws Exception {
    BlockStore store = new BlockStore(List.of(dir), 0, recycling);
    store.start();
    return store;
  }

  private Path recycleArea() {
    return dir.resolve(ReplicaFiles.RECYCLE);
  }

  private static Replica write(BlockStore store, long blockId, byte[] content) throws Exception {
    BlockInfo block = BlockInfo.newBuilder().setBlockId(blockId).setGenerationStamp(blockId).build();
    ReplicaWriter w = store.createNew(block, BPC);
    ByteBuffer data = ByteBuffer.wrap(content);
    int[] crcs = ChunkChecksums.compute(data.duplicate(), BPC);
    w.append(data, crcs);
    return store.finalizeReplica(w);
  }

  private static Object inode(Path p) throws Exception {
    return Files.getAttribute(p, "unix:ino");
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
}
