package io.dfs.blockstore.storage;

import io.dfs.client.error.NoSpaceException;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * fsync'd, then renamed into finalized/, so after a crash every finalized replica is whole. At most
 * one replica per block id is kept: the newest generation stamp wins.
 *
 * <p>Replicas being written are kept by block id too: when a pipeline breaks, its replica stays
 * for {@link #UNFINISHED_GRACE_MS} so a pipeline recovery can continue it ({@link #recover}) or a
 * lease recovery can finalize it at the acknowledged length ({@link #finalizeUnfinished}); after
 * that it is reaped.
 *
 * <p>Lock order: this store's monitor, then a {@link ReplicaWriter}'s; a writer never takes the
 * store's monitor (space accounting and the unfinished map are lock-free).
 */
public final class BlockStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlockStore.class);

  private final List<StorageDir> dirs;
  private final long configuredCapacity;
  /** How long a replica whose pipeline broke waits for a recovery before it is deleted. */
  public static final long UNFINISHED_GRACE_MS = 10 * 60_000;

  private final Map<Long, Replica> replicas = new ConcurrentHashMap<>();
  private final Map<Long, ReplicaWriter> unfinished = new ConcurrentHashMap<>();
  private final AtomicLong used = new AtomicLong();
  private int nextDir;

  /** {@code capacity} 0 means the free space of the disks. */
  public BlockStore(List<Path> dataDirs, long capacity) {
    this(dataDirs, capacity, RecycledFiles.Recycling.DEFAULT);
  }

  BlockStore(List<Path> dataDirs, long capacity, RecycledFiles.Recycling recycling) {
    if (dataDirs.isEmpty()) {
      throw new IllegalArgumentException("a storage node needs at least one data directory");
    }
    this.dirs = dataDirs.stream().map(d -> new StorageDir(d, recycling)).toList();
    this.configuredCapacity = capacity;
  }

  /**
   * Creates the directories and loads the finalized replicas; unfinished ones left by a crash are
   * kept (cut to their intact prefix) for a lease recovery, then reaped like any other.
   */
  public void start() throws IOException {
    for (StorageDir dir : dirs) {
      dir.create();
      try (Stream<Path> files = Files.list(dir.finalized())) {
        for (Path data : files.toList()) {
          long[] id = ReplicaFiles.parse(data);
          if (id == null) {
            continue;
          }
          Path meta = data.resolveSibling(ReplicaFiles.metaName(id[0], id[1]));
          if (!Files.exists(meta)) {
            dir.discard(data);
            continue;
          }
          BlockInfo block = BlockInfo.newBuilder().setBlockId(id[0]).setGenerationStamp(id[1])
              .setLength(Files.size(data)).build();
          keepNewest(new Replica(block, data, meta, ReplicaMeta.bytesPerChecksum(meta)));
        }
      }
    }
    for (StorageDir dir : dirs) {
      try (Stream<Path> leftovers = Files.list(dir.tmp())) {
        for (Path data : leftovers.toList()) {
          long[] id = ReplicaFiles.parse(data);
          if (id == null) {
            continue; // a .meta file: handled with its data file
          }
          loadUnfinished(dir, data, id[0], id[1]);
        }
      }
    }
    used.set(replicas.values().stream().mapToLong(r -> r.block().getLength()).sum()
        + unfinished.values().stream().mapToLong(ReplicaWriter::length).sum());
  }

  private void loadUnfinished(StorageDir dir, Path data, long blockId, long stamp) throws IOException {
    Path meta = data.resolveSibling(ReplicaFiles.metaName(blockId, stamp));
    Replica done = replicas.get(blockId);
    // no checksum header: the node died between creating the files and writing it, before any
    // byte could be acknowledged (no chunk can be verified without it)
    if (!Files.exists(meta) || Files.size(meta) < ReplicaMeta.HEADER
        || done != null && done.block().getGenerationStamp() >= stamp) {
      dir.discard(data);
      dir.discard(meta);
      LOG.info("dropped unfinished replica {}", data);
      return;
    }
    BlockInfo block = BlockInfo.newBuilder().setBlockId(blockId).setGenerationStamp(stamp).build();
    ReplicaWriter w = ReplicaWriter.found(this, dir, block, ReplicaMeta.bytesPerChecksum(meta));
    ReplicaWriter other = unfinished.get(blockId);
    if (other != null && other.block.getGenerationStamp() > stamp) {
      w.abort();
      return;
    }
    unfinished.put(blockId, w);
    if (other != null) {
      other.abort();
    }
    LOG.info("kept unfinished replica {} ({} intact bytes) for a recovery", data, w.length());
  }

  /** Starts a replica under tmp/ on the data directory with the most free space. */
  /**
   * A replica of a block a client is writing for the first time. The leader allocates each block
   * once, so this node has no replica of it yet: a CREATE for a block it holds is refused rather
   * than allowed to replace the replica (one with a higher generation stamp would win, and the
   * real one be deleted).
   */
  public ReplicaWriter createNew(BlockInfo block, int bytesPerChecksum) throws IOException {
    if (replicas.containsKey(block.getBlockId()) || unfinished.containsKey(block.getBlockId())) {
      throw new ReplicaExistsException("block " + block.getBlockId() + " already has a replica on this node");
    }
    return create(block, bytesPerChecksum);
  }

  public ReplicaWriter create(BlockInfo block, int bytesPerChecksum) throws IOException {
    reapUnfinished(System.currentTimeMillis() - UNFINISHED_GRACE_MS);
    if (remaining() <= 0) {
      throw new NoSpaceException(ErrorCode.NO_SPACE, "storage node is full", "block " + block.getBlockId());
    }
    ReplicaWriter w = new ReplicaWriter(this, chooseDir(), block, bytesPerChecksum);
    ReplicaWriter older = unfinished.put(block.getBlockId(), w);
    if (older != null) {
      older.abort();
    }
    return w;
  }

  /**
   * Pipeline recovery: the unfinished replica of the block continues under {@code recovered}'s
   * newer generation stamp from {@code offset}; without one, a replica starting at offset 0 is
   * created (a replacement node joining before any byte was acknowledged).
   *
   * @throws ReplicaNotFoundException when there is none to continue (or it is too short)
   */
  public synchronized ReplicaWriter recover(BlockInfo recovered, long offset, int bytesPerChecksum) throws IOException {
    ReplicaWriter old = unfinished.get(recovered.getBlockId());
    Replica done = replicas.get(recovered.getBlockId());
    if (old == null && done != null && done.block().getGenerationStamp() < recovered.getGenerationStamp()) {
      old = reopenFinalized(done); // the last packet got here before the pipeline broke further down
    }
    if (old == null) {
      if (offset == 0) {
        return create(recovered, bytesPerChecksum);
      }
      throw new ReplicaNotFoundException("no unfinished replica of block " + recovered.getBlockId());
    }
    if (old.block.getGenerationStamp() >= recovered.getGenerationStamp()) {
      throw new ReplicaNotFoundException("replica of block " + recovered.getBlockId() + " already has generation "
          + old.block.getGenerationStamp() + ", recovery asked for " + recovered.getGenerationStamp());
    }
    if (old.length() < offset) {
      throw new ReplicaNotFoundException("replica of block " + recovered.getBlockId() + " has " + old.length()
          + " bytes, recovery resumes at " + offset);
    }
    ReplicaWriter next = old.takeOver(recovered, offset);
    unfinished.put(recovered.getBlockId(), next);
    return next;
  }

  /** A finalized replica goes back to being written, for a recovery of its pipeline's last packet. */
  private ReplicaWriter reopenFinalized(Replica done) throws IOException {
    StorageDir dir = dirOf(done.data());
    BlockInfo block = done.block();
    Path data = dir.tmp().resolve(ReplicaFiles.dataName(block.getBlockId(), block.getGenerationStamp()));
    Path meta = dir.tmp().resolve(ReplicaFiles.metaName(block.getBlockId(), block.getGenerationStamp()));
    if (!replicas.remove(block.getBlockId(), done)) {
      return null;
    }
    Files.move(done.data(), data, StandardCopyOption.ATOMIC_MOVE);
    Files.move(done.meta(), meta, StandardCopyOption.ATOMIC_MOVE);
    ReplicaWriter w = ReplicaWriter.found(this, dir, block, done.bytesPerChecksum());
    unfinished.put(block.getBlockId(), w);
    return w;
  }

  /** The unfinished replica of this block and generation, if this node has one. */
  public Optional<ReplicaWriter> unfinished(BlockInfo block) {
    ReplicaWriter w = unfinished.get(block.getBlockId());
    return w != null && w.block.getGenerationStamp() == block.getGenerationStamp() ? Optional.of(w) : Optional.empty();
  }

  /**
   * The unfinished replica of this block at this generation or an earlier one: a survivor that a
   * failed recovery never reached still holds the acknowledged bytes under the stamp before it.
   */
  public Optional<ReplicaWriter> unfinishedUpTo(BlockInfo block) {
    ReplicaWriter w = unfinished.get(block.getBlockId());
    return w != null && w.block.getGenerationStamp() <= block.getGenerationStamp() ? Optional.of(w) : Optional.empty();
  }

  /** Lease recovery: the unfinished replica is cut to {@code length} and finalized. */
  public synchronized Replica finalizeUnfinished(BlockInfo block, long length) throws IOException {
    ReplicaWriter w = unfinished(block).orElseThrow(() ->
        new ReplicaNotFoundException("no unfinished replica of block " + block.getBlockId()));
    w.prepareFinalize(length);
    return finalizeReplica(w);
  }

  /** Deletes unfinished replicas whose pipeline let go of them before {@code cutoffMs}. */
  void reapUnfinished(long cutoffMs) {
    for (ReplicaWriter w : unfinished.values()) {
      long detached = w.detachedAtMs();
      if (detached > 0 && detached < cutoffMs) {
        LOG.info("dropping unfinished replica {}: no recovery came", w.data.getFileName());
        w.abort();
      }
    }
  }

  /** The writer is gone (aborted or finalized). */
  void forget(ReplicaWriter w) {
    unfinished.remove(w.block.getBlockId(), w);
  }

  /** fsyncs and publishes a complete replica, replacing an older generation of the same block. */
  public Replica finalizeReplica(ReplicaWriter w) throws IOException {
    w.sync();
    forget(w);
    BlockInfo block = w.block();
    Path data = w.dir.finalized().resolve(ReplicaFiles.dataName(block.getBlockId(), block.getGenerationStamp()));
    Path meta = w.dir.finalized().resolve(ReplicaFiles.metaName(block.getBlockId(), block.getGenerationStamp()));
    // meta first: a data file without its meta is discarded at start, never served
    Files.move(w.meta, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.move(w.data, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    w.dir.syncFinalized();
    Replica replica = new Replica(block, data, meta, w.bytesPerChecksum);
    keepNewest(replica);
    return replica;
  }

  public Optional<Replica> get(long blockId) {
    return Optional.ofNullable(replicas.get(blockId));
  }

  /** The finalized replica of this block and generation, if this node has one. */
  public Optional<Replica> finalized(BlockInfo block) {
    return get(block.getBlockId()).filter(r -> r.block().getGenerationStamp() == block.getGenerationStamp());
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

  /** Emptied files kept for reuse across the data directories (see {@link RecycledFiles}). */
  public int keptFiles() {
    return dirs.stream().mapToInt(StorageDir::keptFiles).sum();
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

  private StorageDir dirOf(Path replicaFile) {
    return dirs.stream().filter(d -> replicaFile.startsWith(d.root())).findFirst().orElseThrow();
  }

  private void removeFiles(Replica r) {
    try {
      StorageDir dir = dirOf(r.data());
      dir.discard(r.data());
      dir.discard(r.meta());
      release(r.block().getLength());
    } catch (IOException e) {
      LOG.warn("could not delete replica {}", r.data(), e);
    }
  }

  /** Lets go of the data directories' open handles (after the node's servers stopped). */
  @Override
  public void close() {
    dirs.forEach(StorageDir::close);
  }

  public List<Path> dataDirs() {
    List<Path> out = new ArrayList<>();
    dirs.forEach(d -> out.add(d.root()));
    return out;
  }
}
