package io.dfs.client.fs;

import com.google.protobuf.ByteString;
import io.dfs.client.block.BlockReader;
import io.dfs.client.block.Holes;
import io.dfs.client.block.NodeConnections;
import io.dfs.client.checksum.Crc32cComposition;
import io.dfs.client.checksum.FileChecksum;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.error.AlreadyBeingCreatedException;
import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.error.StorageException;
import io.dfs.client.metadata.DirectoryDelegations;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.metadata.WriteLane;
import io.dfs.client.patch.FileOverlay;
import io.dfs.client.patch.PatchPlan;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.Caller;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileLock;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.FsckResponse;
import io.dfs.proto.GetBlockLocationsResponse;
import io.dfs.proto.LinkRequest;
import io.dfs.proto.ListResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.MknodRequest;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.PatchContentRequest;
import io.dfs.proto.RemoveXattrRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.SetPermissionRequest;
import io.dfs.proto.SetReplicationRequest;
import io.dfs.proto.SetXattrRequest;
import io.dfs.proto.SymlinkRequest;
import io.dfs.proto.TruncateRequest;
import io.dfs.proto.XattrMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** The file system client: namespace calls through the metadata peers, data straight to storage nodes. */
public final class DfsClient implements DfsFileSystem {
  private final ClusterConfig config;
  private final MetadataClient metadata;
  private final NodeConnections connections;
  private final OpenStreams streams;

  public DfsClient(ClusterConfig config, String clientId) {
    this(config, MetadataClient.connect(config, clientId));
  }

  /**
   * A client acting for {@code user} rather than the user this process runs as (a gateway serving
   * its users); the peers believe that only from a client certificate they trust to speak for users.
   */
  public DfsClient(ClusterConfig config, String clientId, Caller user) {
    this(config, MetadataClient.connect(config, clientId, user));
  }

  private DfsClient(ClusterConfig config, MetadataClient metadata) {
    this.config = config;
    this.metadata = metadata;
    this.connections = new NodeConnections(metadata.tls());
    this.streams = new OpenStreams(metadata.metrics());
  }

  /** A client with a fresh unique id. */
  public DfsClient(ClusterConfig config) {
    this(config, "client-" + UUID.randomUUID());
  }

  public MetadataClient metadata() {
    return metadata;
  }

  @Override
  public DfsOutputStream create(String path, CreateOptions o) throws IOException {
    int replication = o.replication() > 0 ? o.replication() : config.replication();
    long blockSize = o.blockSize() > 0 ? o.blockSize() : config.blockSize();
    CreateFileRequest.Builder request = CreateFileRequest.newBuilder().setPath(path).setOverwrite(false)
        .setReplication(replication).setBlockSize(blockSize).setMode(exactly(o.mode())).setCreateParents(o.createParents())
        .setOwner(o.owner()).setGroup(o.group()).setAllocateBlock(true);
    if (!o.overwrite() && !o.createParents()) {
      DirectoryDelegations.Claim claim = metadata.delegations().claim(path);
      if (claim != null) {
        return createWithoutWaiting(request.setInodeId(claim.inodeId()).build(), claim);
      }
    }
    try {
      MetaResponse created = metadata.createOpen(request.build());
      return new DfsClientOutputStream(metadata, connections, created, null, streams);
    } catch (PathExistsException e) {
      if (!o.overwrite()) {
        throw e;
      }
    }
    FileStatus existing = metadata.stat(path);
    if (existing.getUnderConstruction()) {
      // its writer holds the lease: refuse now rather than after the whole replacement is written
      throw new AlreadyBeingCreatedException("the file is being written by another client", path);
    }
    // Overwrite: the new content goes to a hidden sibling that becomes the file's content only when
    // the stream closes successfully, so a failed rewrite leaves the old content untouched; the
    // file keeps its inode, names, owner, mode and extended attributes, as after O_TRUNC.
    String replacement = hiddenSibling(path, "dfs-write-" + UUID.randomUUID());
    MetaResponse created = metadata.createOpen(request.setPath(replacement).build());
    return new DfsClientOutputStream(metadata, connections, created, path, streams);
  }

  /**
   * A new file in a directory this client holds: the create goes without waiting, and the stream
   * shows the file as it will be (the namespace's group may differ).
   */
  private DfsOutputStream createWithoutWaiting(CreateFileRequest request, DirectoryDelegations.Claim claim) {
    long now = System.currentTimeMillis();
    CreateFileRequest r = request.toBuilder().setShownTimeMs(now).build();
    CompletableFuture<MetaResponse> create = metadata.createAsync(r);
    metadata.delegations().sent(claim, create);
    FileStatus status = provisional(FileStatus.newBuilder().setPath(r.getPath()).setInodeId(r.getInodeId())
        .setType(FileType.REGULAR_FILE).setReplication(r.getReplication()).setBlockSize(r.getBlockSize())
        .setMode(r.getMode() & 07777).setUnderConstruction(true).setNlink(1),
        r.getOwner(), r.getGroup(), now);
    return new DfsClientOutputStream(metadata, connections, status, create, streams);
  }

  /**
   * Applies the attribute change without waiting when this client holds the entry's directory
   * (see {@link DirectoryDelegations#claimChange}); the future reports its outcome. Null when the
   * directory is not held: apply it the ordinary way.
   */
  @Override
  public CompletableFuture<?> setAttributesWithoutWaiting(String path, AttributeUpdate update) {
    List<MetaRequest> writes = update.requests(path);
    DirectoryDelegations.Claim claim = writes.isEmpty() ? null : metadata.delegations().claimChange(path);
    if (claim == null) {
      return null;
    }
    // in order, in the background lane (they ride in one entry); any one that fails fails the change
    CompletableFuture<Void> sent = CompletableFuture.allOf(writes.stream()
        .map(w -> metadata.writeAsync(w, WriteLane.BACKGROUND)).toArray(CompletableFuture[]::new));
    metadata.delegations().sent(claim, sent);
    return sent;
  }

  /**
   * Where this client holds both directories, knows the source there and the destination free:
   * nobody else can change either name meanwhile, so the rename will succeed.
   */
  @Override
  public java.util.function.Consumer<CompletableFuture<?>> claimRename(String source, String destination) {
    List<DirectoryDelegations.Claim> claims = metadata.delegations().claimRename(source, destination);
    return claims == null ? null : sent -> claims.forEach(c -> metadata.delegations().sent(c, sent));
  }

  @Override
  public DfsInputStream open(String path) throws IOException {
    ownWritesAnswered(PathNames.parentOf(path));
    return streamOf(path, metadata.getBlockLocations(path, 0, 0));
  }

  @Override
  public DfsInputStream open(String path, long inodeId) throws IOException {
    ownWritesAnswered(PathNames.parentOf(path));
    return streamOf(path, metadata.getBlockLocations(path, inodeId, 0, 0));
  }

  /** A reader of the file as {@code r} (its locations) shows it. */
  private DfsClientInputStream streamOf(String path, GetBlockLocationsResponse r) throws IOException {
    List<LocatedBlock> blocks = r.getBlocksList();
    long length = r.getStatus().getLength();
    if (r.getStatus().getUnderConstruction() && !blocks.isEmpty()) {
      // the block being written: what its nodes acknowledged (hflush) is readable now
      LocatedBlock last = blocks.get(blocks.size() - 1);
      long visible = visibleLength(last);
      if (visible > last.getBlock().getLength()) {
        blocks = new ArrayList<>(blocks);
        blocks.set(blocks.size() - 1, last.toBuilder().setBlock(last.getBlock().toBuilder().setLength(visible)).build());
        length = last.getOffset() + visible;
      }
    }
    return new DfsClientInputStream(metadata, connections, path, r.getStatus().getInodeId(), length, blocks);
  }

  /** The acknowledged length of a block being written, from the first of its nodes that answers. */
  private long visibleLength(LocatedBlock block) {
    for (NodeInfo node : block.getLocationsList()) {
      try {
        return BlockReader.visibleLength(connections, node, block.getBlock(), block.getToken());
      } catch (IOException e) {
        // the next node may know
      }
    }
    return block.getBlock().getLength();
  }

  /**
   * With delegations on (the mount), the new directory is this client's: in a directory it holds,
   * the mkdir goes without waiting, like a create there (see {@link #createWithoutWaiting}).
   */
  @Override
  public FileStatus mkdir(String path, int mode, String owner, String group) throws IOException {
    MkdirRequest.Builder request = MkdirRequest.newBuilder().setPath(path).setMode(mode).setOwner(owner)
        .setGroup(group).setDelegate(metadata.delegations().enabled());
    DirectoryDelegations.Claim claim = request.getDelegate() ? metadata.delegations().claim(path) : null;
    if (claim == null) {
      return metadata.mkdir(request.build());
    }
    long now = System.currentTimeMillis();
    MkdirRequest r = request.setInodeId(claim.inodeId()).setShownTimeMs(now).build();
    // the creates in it are sent without waiting too: none may be applied before it
    CompletableFuture<MetaResponse> sent = metadata.writeAsync(MetaRequest.newBuilder().setMkdir(r).build(),
        WriteLane.BACKGROUND_BARRIER);
    metadata.delegations().sentMkdir(claim, path, sent);
    return provisional(FileStatus.newBuilder().setPath(path).setInodeId(claim.inodeId()).setType(FileType.DIRECTORY)
        .setMode(mode > 0 ? mode & 07777 : DfsFileSystem.DEFAULT_DIR_MODE).setNlink(2), owner, group, now);
  }

  /**
   * What an entry made without waiting will look like: its times are {@code now}, which the
   * request carries for the namespace to keep (see CreateFileRequest.shown_time_ms).
   */
  private FileStatus provisional(FileStatus.Builder entry, String owner, String group, long now) {
    Caller user = metadata.user();
    return entry.setMtimeMs(now).setAtimeMs(now).setCtimeMs(now)
        .setOwner(!owner.isEmpty() || user.getUsersCount() == 0 ? owner : user.getUsers(0))
        .setGroup(!group.isEmpty() || user.getGroupsCount() == 0 ? group : user.getGroups(0)).build();
  }

  @Override
  public FileStatus mkdirs(String path) throws IOException {
    return metadata.mkdir(MkdirRequest.newBuilder().setPath(path).setParents(true).build());
  }

  @Override
  public FileStatus stat(String path) throws IOException {
    if (metadata.delegations().knownAbsent(path)) {
      throw new PathNotFoundException("no such file or directory", path);
    }
    ownWritesAround(path); // a directory's entry count and times change with the writes in it too
    return metadata.stat(path);
  }

  /**
   * This client's reads see its own writes sent without waiting (creates, mkdirs, attribute
   * changes, renames riding with a completion); its other writes go after them, so no retry across
   * a leader change can apply one before what it depends on.
   */
  private void ownWritesAnswered(String dir) throws IOException {
    metadata.delegations().awaitWrites(dir);
  }

  /** {@link #ownWritesAnswered} for the directory an entry is in, and for the entry if it is one. */
  private void ownWritesAround(String path) throws IOException {
    ownWritesAnswered(PathNames.parentOf(path));
    ownWritesAnswered(path);
  }

  @Override
  public boolean exists(String path) throws IOException {
    ownWritesAnswered(PathNames.parentOf(path));
    try {
      metadata.stat(path);
      return true;
    } catch (PathNotFoundException e) {
      return false;
    }
  }

  @Override
  public List<FileStatus> list(String path) throws IOException {
    List<FileStatus> all = new ArrayList<>();
    String after = "";
    ListResponse page;
    do {
      page = listPage(path, after, 0);
      all.addAll(page.getEntriesList());
      if (page.getEntriesCount() > 0) {
        String last = page.getEntries(page.getEntriesCount() - 1).getPath();
        after = last.substring(last.lastIndexOf('/') + 1);
      }
    } while (page.getHasMore());
    return all;
  }

  @Override
  public ListResponse listPage(String path, String startAfter, int limit) throws IOException {
    ownWritesAnswered(path);
    return metadata.list(path, startAfter, limit);
  }

  @Override
  public void rename(String source, String destination, boolean overwrite) throws IOException {
    ownWritesAround(source);
    ownWritesAround(destination);
    metadata.rename(RenameRequest.newBuilder().setSource(source).setDestination(destination)
        .setOverwrite(overwrite).build());
  }

  @Override
  public void delete(String path, boolean recursive) throws IOException {
    ownWritesAround(path);
    metadata.delete(path, recursive);
  }

  @Override
  public FileStatus setTimes(String path, java.nio.file.attribute.FileTime mtime,
      java.nio.file.attribute.FileTime atime) throws IOException {
    ownWritesAround(path);
    return metadata.setTimes(FileTimes.request(path, mtime, atime));
  }

  @Override
  public FileStatus setPermission(String path, int mode) throws IOException {
    ownWritesAround(path);
    return metadata.setPermission(SetPermissionRequest.newBuilder().setPath(path).setMode(mode).build());
  }

  @Override
  public FileStatus setOwner(String path, String owner, String group) throws IOException {
    ownWritesAround(path);
    return metadata.setPermission(SetPermissionRequest.newBuilder().setPath(path).setMode(-1)
        .setOwner(owner == null ? "" : owner).setGroup(group == null ? "" : group).build());
  }

  @Override
  public FileStatus symlink(String target, String link, String owner, String group) throws IOException {
    ownWritesAnswered(PathNames.parentOf(link));
    return metadata.symlink(SymlinkRequest.newBuilder().setPath(link).setTarget(target).setOwner(owner)
        .setGroup(group).build());
  }

  @Override
  public FileStatus mknod(String path, FileType type, int mode, long rdev, String owner, String group)
      throws IOException {
    ownWritesAnswered(PathNames.parentOf(path));
    return metadata.mknod(MknodRequest.newBuilder().setPath(path).setType(type).setMode(mode).setRdev(rdev)
        .setOwner(owner == null ? "" : owner).setGroup(group == null ? "" : group).build());
  }

  @Override
  public FileStatus setXattr(String path, String name, byte[] value, XattrMode mode) throws IOException {
    ownWritesAround(path);
    return metadata.setXattr(SetXattrRequest.newBuilder().setPath(path).setName(name)
        .setValue(ByteString.copyFrom(value)).setMode(mode).build());
  }

  @Override
  public FileStatus removeXattr(String path, String name) throws IOException {
    ownWritesAround(path);
    return metadata.removeXattr(RemoveXattrRequest.newBuilder().setPath(path).setName(name).build());
  }

  @Override
  public Map<String, byte[]> xattrs(String path) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    metadata.xattrs(path).getEntriesMap().forEach((name, value) -> out.put(name, value.toByteArray()));
    return out;
  }

  @Override
  public FileStatus link(String existing, String link) throws IOException {
    ownWritesAround(existing);
    ownWritesAnswered(PathNames.parentOf(link));
    return metadata.link(LinkRequest.newBuilder().setExisting(existing).setPath(link).build());
  }

  @Override
  public void setReplication(String path, int replication) throws IOException {
    ownWritesAround(path);
    metadata.setReplication(SetReplicationRequest.newBuilder().setPath(path).setReplication(replication).build());
  }

  /**
   * Growing a file, and cutting it at a block boundary or inside a hole, are metadata changes (a
   * grown file ends in a hole: zeros stored nowhere, so even a terabyte costs one entry). Cutting
   * inside a data block rewrites the kept bytes into a sibling that then becomes the file's content
   * (the file keeps its inode, names and attributes), so readers see either the old or the new
   * content, never a mix.
   */
  @Override
  public void truncate(String path, long length) throws IOException {
    if (length < 0) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "negative length " + length, path);
    }
    FileTooLargeException.check(length, path);
    ownWritesAround(path);
    GetBlockLocationsResponse r = metadata.getBlockLocations(path, 0, 0);
    FileStatus st = r.getStatus();
    if (st.getType() == FileType.DIRECTORY) {
      throw new IsADirectoryException("is a directory", path);
    }
    if (length == st.getLength()) {
      return;
    }
    if (length > st.getLength() || cutNeedsNoData(r.getBlocksList(), length)) {
      metadata.truncate(TruncateRequest.newBuilder().setPath(path).setLength(length).build());
      return;
    }
    // a cut inside a data block: that block is rewritten shorter, the others stay
    FileOverlay cut = new FileOverlay(st.getLength());
    cut.truncate(length);
    patch(path, st.getInodeId(), cut, (offset, buf, off, len) -> {
      throw new IllegalStateException("a cut writes nothing");
    }, AttributeUpdate.NONE);
  }

  /** Whether cutting the file at {@code length} leaves every kept data block whole. */
  private static boolean cutNeedsNoData(List<LocatedBlock> blocks, long length) {
    for (LocatedBlock b : blocks) {
      long end = b.getOffset() + b.getBlock().getLength();
      if (length == b.getOffset() || length == end) {
        return true;
      }
      if (length > b.getOffset() && length < end) {
        return Holes.isHole(b.getBlock());
      }
    }
    return false;
  }

  @Override
  public FileChecksum checksum(String path) throws IOException {
    GetBlockLocationsResponse r = metadata.getBlockLocations(path, 0, 0);
    if (r.getStatus().getType() == FileType.DIRECTORY) {
      throw new IsADirectoryException("is a directory", path);
    }
    if (r.getStatus().getUnderConstruction()) {
      throw new AlreadyBeingCreatedException("the file is being written; its checksum is known once it is closed", path);
    }
    int crc = 0;
    long length = 0;
    for (LocatedBlock b : r.getBlocksList()) {
      int blockCrc = Holes.isHole(b.getBlock()) ? Crc32cComposition.zeros(b.getBlock().getLength()) : blockCrc32c(b, path);
      crc = Crc32cComposition.concat(crc, blockCrc, b.getBlock().getLength());
      length += b.getBlock().getLength();
    }
    return new FileChecksum(crc, length);
  }

  /** From the first replica that answers, best first. */
  private int blockCrc32c(LocatedBlock b, String path) throws IOException {
    IOException last = null;
    for (NodeInfo node : b.getLocationsList()) {
      try {
        return BlockReader.crc32c(connections, node, b.getBlock(), b.getToken());
      } catch (IOException e) {
        last = e;
      }
    }
    throw new StorageException(ErrorCode.IO_ERROR, "no replica of block " + b.getBlock().getBlockId()
        + " could give its checksum" + (last == null ? " (none is live)" : ": " + last.getMessage()), path);
  }

  @Override
  public ClusterStatusResponse clusterStatus() throws IOException {
    return metadata.clusterStatus();
  }

  @Override
  public FsckResponse fsck(String path) throws IOException {
    return metadata.fsck(path);
  }

  /** A new file's permission bits as the request carries them: zero too (see CreateFileRequest.mode). */
  private static int exactly(int mode) {
    return (mode & 07777) | 0100000;
  }

  /** A hidden name next to {@code path} for content that replaces it on success. */
  private static String hiddenSibling(String path, String tag) {
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    // stay within the 255-byte name limit whatever the original name's length
    String prefix = name.length() > 150 ? "" : name + ".";
    return path.substring(0, slash + 1) + "." + prefix + tag;
  }

  /** How often a patch is planned again when another writer changed the file meanwhile. */
  static final int PATCH_ATTEMPTS = 5;

  @Override
  public FileStatus patch(String path, long inodeId, FileOverlay overlay, FileOverlay.Written written,
      AttributeUpdate onClose) throws IOException {
    ownWritesAround(path);
    for (int attempt = 1; ; attempt++) {
      // one read: the plan's block list and the reader of the bytes around the writes are one version
      GetBlockLocationsResponse located = metadata.getBlockLocations(path, inodeId, 0, 0);
      try (DfsInputStream base = streamOf(path, located)) {
        return patchOnce(path, located, base, overlay, written, onClose);
      } catch (StorageException e) {
        if (e.code() != ErrorCode.STALE_FILE_HANDLE || attempt == PATCH_ATTEMPTS) {
          throw e;
        }
        // another writer changed the file since it was read: plan on its content now
      }
    }
  }

  private FileStatus patchOnce(String path, GetBlockLocationsResponse located, DfsInputStream base,
      FileOverlay overlay, FileOverlay.Written written, AttributeUpdate onClose) throws IOException {
    FileStatus st = located.getStatus();
    if (st.getUnderConstruction()) {
      throw new AlreadyBeingCreatedException("the file is being written by another client", path);
    }
    List<BlockInfo> blocks = located.getBlocksList().stream().map(LocatedBlock::getBlock).toList();
    PatchPlan plan = PatchPlan.of(blocks, overlay, st.getBlockSize());
    String sibling = hiddenSibling(path, "dfs-patch-" + UUID.randomUUID());
    MetaResponse created = metadata.createOpen(CreateFileRequest.newBuilder().setPath(sibling)
        .setReplication(st.getReplication()).setBlockSize(st.getBlockSize()).setMode(st.getMode() & 07777).build());
    DfsClientOutputStream out = new DfsClientOutputStream(metadata, connections, created, path, streams);
    out.landAsPatch(PatchContentRequest.newBuilder().setDestinationInodeId(st.getInodeId()).addAllSegments(plan.segments())
        .addAllBaseBlockIds(blocks.stream().map(BlockInfo::getBlockId).toList()));
    out.setAttributesOnClose(onClose);
    try (out) {
      byte[] buf = new byte[1 << 20];
      for (PatchPlan.Piece piece : plan.pieces()) {
        for (long at = piece.start(); at < piece.end(); ) {
          int n = overlay.read(base, written, at, buf, 0, (int) Math.min(buf.length, piece.end() - at));
          out.write(buf, 0, n);
          at += n;
        }
        out.endBlock();
      }
    }
    metadata.metrics().meter("client.patch.bytes_written").mark(plan.bytesWritten());
    return out.completed();
  }

  @Override
  public void lock(LockRequest request) throws IOException {
    if (request.getType() != LockType.UNLOCK) {
      ownWritesAround(request.getPath()); // a file made without waiting is in the cluster before it is locked
    }
    metadata.locks().lock(request.getInodeId() != 0 ? request
        : request.toBuilder().setInodeId(stat(request.getPath()).getInodeId()).build());
  }

  @Override
  public boolean mayHoldLock(LockRequest request) {
    return metadata.locks().mayHold(request);
  }

  @Override
  public Optional<FileLock> lockInTheWay(LockRequest request) throws IOException {
    ownWritesAround(request.getPath());
    return metadata.locks().inTheWay(request);
  }

  @Override
  public void close() throws IOException {
    connections.close();
    metadata.close();
  }
}
