package io.dfs.blockstore.storage;

import io.dfs.client.error.NoSpaceException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of one storage node across its data directories. A replica is written under tmp/,
 * fsync'd, then renamed into finalized/, so after a crash every finalized replica is whole; tmp/ is
 * emptied at start. At most one replica per block id is kept: the newest generation stamp wins.
 */
public final class BlockStore {
  private static final Logger LOG = LoggerFactory.getLogger(BlockStore.class);

  private final List<StorageDir> dirs;
  private final long configuredCapacity;
  private final Map<Long, Replica> replicas = new ConcurrentHashMap<>();
  private final AtomicLong used = new AtomicLong();
  private int nextDir;

  /** {@code capacity} 0 means the free space of the disks. */
  public BlockStore(List<Path> dataDirs, long capacity) {
    if (dataDirs.isEmpty()) {
      throw new IllegalArgumentException("a storage node needs at least one data directory");
    }
    this.dirs = dataDirs.stream().map(StorageDir::new).toList();
    this.configuredCapacity = capacity;
  }

  /** Creates the directories, drops unfinished replicas, and loads the finalized ones. */
  public void start() throws IOException {
    for (StorageDir dir : dirs) {
      dir.create();
      try (Stream<Path> leftovers = Files.list(dir.tmp())) {
        for (Path p : leftovers.toList()) {
          Files.deleteIfExists(p);
          LOG.info("dropped unfinished replica {}", p);
        }
      }
      try (Stream<Path> files = Files.list(dir.finalized())) {
        for (Path data : files.toList()) {
          long[] id = ReplicaFiles.parse(data);
          if (id == null) {
            continue;
          }
          Path meta = data.resolveSibling(ReplicaFiles.metaName(id[0], id[1]));
          if (!Files.exists(meta)) {
            Files.delete(data);
            continue;
          }
          BlockInfo block = BlockInfo.newBuilder().setBlockId(id[0]).setGenerationStamp(id[1])
              .setLength(Files.size(data)).build();
          keepNewest(new Replica(block, data, meta, ReplicaMeta.bytesPerChecksum(meta)));
        }
      }
    }
    used.set(replicas.values().stream().mapToLong(r -> r.block().getLength()).sum());
  }

  /** Starts a replica under tmp/ on the data directory with the most free space. */
  public ReplicaWriter create(BlockInfo block, int bytesPerChecksum) throws IOException {
    if (remaining() <= 0) {
      throw new NoSpaceException(ErrorCode.NO_SPACE, "storage node is full", "block " + block.getBlockId());
    }
    return new ReplicaWriter(this, chooseDir(), block, bytesPerChecksum);
  }

  /** fsyncs and publishes a complete replica, replacing an older generation of the same block. */
  public Replica finalizeReplica(ReplicaWriter w) throws IOException {
    w.sync();
    BlockInfo block = w.block();
    Path data = w.dir.finalized().resolve(ReplicaFiles.dataName(block.getBlockId(), block.getGenerationStamp()));
    Path meta = w.dir.finalized().resolve(ReplicaFiles.metaName(block.getBlockId(), block.getGenerationStamp()));
    // meta first: a data file without its meta is discarded at start, never served
    Files.move(w.meta, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(w.data, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(w.dir.finalized());
    Replica replica = new Replica(block, data, meta, w.bytesPerChecksum);
    keepNewest(replica);
    return replica;
  }

  public Optional<Replica> get(long blockId) {
    return Optional.ofNullable(replicas.get(blockId));
  }

  /** Every finalized replica, for full block reports. */
  public List<BlockInfo> report() {
    return replicas.values().stream().map(Replica::block)
        .sorted(Comparator.comparingLong(BlockInfo::getBlockId)).toList();
  }

  /** Deletes the replica if it is the given generation or older; returns whether one was deleted. */
  public boolean delete(BlockInfo block) {
    Replica r = replicas.get(block.getBlockId());
    if (r == null || r.block().getGenerationStamp() > block.getGenerationStamp()) {
      return false;
    }
    if (replicas.remove(block.getBlockId(), r)) {
      removeFiles(r);
      return true;
    }
    return false;
  }

  public int blockCount() {
    return replicas.size();
  }

  public long used() {
    return used.get();
  }

  public long capacity() {
    long disks = dirs.stream().mapToLong(StorageDir::usableSpace).sum() + used.get();
    return configuredCapacity > 0 ? Math.min(configuredCapacity, disks) : disks;
  }

  public long remaining() {
    return Math.max(0, capacity() - used.get());
  }

  boolean reserve(long bytes) {
    long limit = capacity();
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  private synchronized StorageDir chooseDir() {
    StorageDir best = dirs.get(nextDir++ % dirs.size());
    for (StorageDir d : dirs) {
      if (d.usableSpace() > best.usableSpace() * 2) {
        best = d;
      }
    }
    return best;
  }

  private void keepNewest(Replica replica) {
    replicas.merge(replica.block().getBlockId(), replica, (old, fresh) -> {
      if (old.data().equals(fresh.data())) {
        release(old.block().getLength()); // the same files were rewritten in place
        return fresh;
      }
      if (old.block().getGenerationStamp() >= fresh.block().getGenerationStamp()) {
        removeFiles(fresh);
        return old;
      }
      removeFiles(old);
      return fresh;
    });
  }

  private void removeFiles(Replica r) {
    try {
      Files.deleteIfExists(r.data());
      Files.deleteIfExists(r.meta());
      release(r.block().getLength());
    } catch (IOException e) {
      LOG.warn("could not delete replica {}", r.data(), e);
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // not every file system lets a directory be fsync'd; the rename is still atomic
    }
  }

  public List<Path> dataDirs() {
    List<Path> out = new ArrayList<>();
    dirs.forEach(d -> out.add(d.root()));
    return out;
  }
}
