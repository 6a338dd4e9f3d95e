package io.dfs.metadata.namespace;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.ByteString;
import io.dfs.client.block.Holes;
import io.dfs.client.error.AlreadyBeingCreatedException;
import io.dfs.client.error.DfsException;
import io.dfs.client.error.DirectoryNotEmptyException;
import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.NameTooLongException;
import io.dfs.client.error.NoSpaceException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.error.PermissionDeniedException;
import io.dfs.client.error.StorageException;
import io.dfs.client.error.XattrNotFoundException;
import io.dfs.client.error.XattrTooBigException;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.PathNames;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ContentSegment;
import io.dfs.proto.DelegationGrant;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileLock;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.ListResponse;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockRequest;
import io.dfs.proto.LockType;
import io.dfs.proto.XattrMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The directory tree and every rule about changing it. Deterministic: given the same calls with
 * the same arguments (times included), every peer ends in the same state. Not thread-safe; the
 * state machine serializes writers and readers around it.
 */
public final class Namespace {
  public static final String DEFAULT_OWNER = "dfs";
  public static final int DEFAULT_LIST_LIMIT = 1000;

  private final Inode root;
  private final Map<Long, Inode> fileOfBlock = new HashMap<>();
  private final BlockTable blockTable = new BlockTable();
  /** Files being written (under a writer's lease), by inode id. */
  private final Map<Long, Inode> openFiles = new java.util.TreeMap<>();
  /** Every entry alive, named or not, by inode id: how an open file is found wherever it went. */
  private final Map<Long, Inode> inodes = new HashMap<>();
  /**
   * Files that lost their last name, by inode id: kept, blocks and all, for processes on any client
   * that still have them open, until the leader reaps them (see {@link #reap}). In the order they
   * were unlinked (the same on every peer, and through the image), so finding those past their
   * grace stops at the first younger one instead of reading them all (an {@code rm -rf} of a
   * million files leaves a million here for the grace).
   */
  private final Map<Long, Inode> unlinked = new java.util.LinkedHashMap<>();
  private final ClientSessions sessions = new ClientSessions();
  private final Delegations delegations = new Delegations();
  private final FileLocks locks = new FileLocks();
  private long nextInodeId;
  private long nextBlockId;
  private long nextGenerationStamp;

  public Namespace() {
    this.root = new Inode(1, FileType.DIRECTORY, "", 0, DfsFileSystem.DEFAULT_DIR_MODE, DEFAULT_OWNER, DEFAULT_OWNER);
    this.nextInodeId = 2;
    this.inodes.put(root.id, root);
    this.nextBlockId = 1;
    this.nextGenerationStamp = 1;
  }

  /** The clients' write calls already applied, so a retried one is not applied again. */
  public ClientSessions sessions() {
    return sessions;
  }

  /** Directories delegated to client sessions. */
  public Delegations delegations() {
    return delegations;
  }

  /**
   * Delegates the directory at {@code path} to {@code session} (again, when it holds it already):
   * no other session may add or remove names in it until it is returned. With {@code reserveIds},
   * the grant also reserves fresh inode ids for the session. An empty path only reserves ids, for
   * a session that holds a directory.
   */
  public DelegationGrant delegate(String path, String session, boolean reserveIds) throws DfsException {
    DelegationGrant.Builder grant = DelegationGrant.newBuilder();
    if (path.isEmpty()) {
      if (!delegations.holdsAny(session)) {
        throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "inode ids are reserved only for a session"
            + " holding a directory", path);
      }
    } else {
      Inode dir = resolve(path);
      if (!dir.isDirectory()) {
        throw new NotADirectoryException("only a directory is delegated", path);
      }
      delegations.checkNames(dir.id, session, path);
      delegations.grant(dir, session);
      grant.setDirId(dir.id).addAllNames(dir.children.keySet());
    }
    if (reserveIds) {
      long first = nextInodeId;
      nextInodeId += Delegations.INODE_IDS_PER_GRANT;
      delegations.reserve(session, first, Delegations.INODE_IDS_PER_GRANT);
      grant.setFirstInodeId(first).setInodeIdCount(Delegations.INODE_IDS_PER_GRANT);
    }
    return grant.build();
  }

  /** Advisory locks held on files. */
  public FileLocks locks() {
    return locks;
  }

  /**
   * The lock {@code session} asks for, on the file it names: by its inode id when given (an unlock
   * then needs no path: a file renamed or removed meanwhile still lets go of its locks), else by path.
   * A lock taken through a path that now names another file than the id is STALE_FILE_HANDLE.
   */
  public FileLock lockOf(LockRequest r, String session) throws DfsException {
    long id = r.getInodeId();
    if (r.getKind() == LockKind.OPEN) {
      if (r.getType() == LockType.EXCLUSIVE) {
        throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "a file is held open shared", r.getPath());
      }
      if (r.getType() != LockType.UNLOCK) {
        id = fileById(id, r.getPath()).id; // the holder's file wherever it is now: unlinked too
      }
    } else if (r.getType() != LockType.UNLOCK || id == 0) {
      Inode file = resolveFile(r.getPath());
      if (id != 0 && file.id != id) {
        throw new StorageException(ErrorCode.STALE_FILE_HANDLE, "now names another file than the one locked",
            r.getPath());
      }
      id = file.id;
    }
    return FileLocks.normalized(FileLock.newBuilder().setInodeId(id).setSession(session).setOwner(r.getOwner())
        .setKind(r.getKind()).setType(r.getType()).setStart(r.getStart()).setEnd(r.getEnd()).setPid(r.getPid())
        .build());
  }

  /** Ends {@code holder}'s delegation of the directory, if it has one. */
  public void returnDelegation(long dirId, String holder) {
    delegations.release(dirId, holder);
  }

  /**
   * Every referenced block, readable without the namespace lock. A block missing from it is freed:
   * the leader's block service deletes its replicas when it next looks.
   */
  public BlockTable blockTable() {
    return blockTable;
  }

  // ------------------------------------------------------------------ directories

  public Inode mkdir(String path, boolean parents, int mode, String owner, String group, long now)
      throws DfsException {
    return mkdir(path, parents, mode, owner, group, now, 0, "");
  }

  /**
   * As above; {@code chosenId} (unless 0) is the inode id session {@code who} chose for a directory
   * it made without waiting, under its delegation of the parent (one new directory, no parents).
   */
  public Inode mkdir(String path, boolean parents, int mode, String owner, String group, long now, long chosenId,
      String who) throws DfsException {
    if (chosenId != 0 && parents) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "an inode id is chosen for one new directory only",
          path);
    }
    List<String> names = PathNames.components(path);
    if (names.isEmpty()) {
      if (parents) {
        return root;
      }
      throw new PathExistsException("directory exists", path);
    }
    Inode dir = root;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      boolean last = i == names.size() - 1;
      Inode child = dir.children.get(name);
      if (child == null) {
        if (!last && !parents) {
          throw new PathNotFoundException("parent directory does not exist", PathNames.join(names.subList(0, i + 1)));
        }
        if (chosenId != 0) {
          delegations.checkChosenId(dir.id, who, chosenId, path);
        }
        child = newInode(chosenId != 0 ? chosenId : nextInodeId++, dir, FileType.DIRECTORY, name, now,
            mode > 0 ? mode & 07777 : DfsFileSystem.DEFAULT_DIR_MODE, owner, group);
        if (chosenId != 0) {
          delegations.idTaken(who, chosenId);
        }
        attach(dir, child, now);
      } else if (last && (!parents || !child.isDirectory())) {
        throw new PathExistsException(child.isDirectory() ? "directory exists" : "a file exists", path);
      } else if (!child.isDirectory()) {
        throw new NotADirectoryException("not a directory", PathNames.join(names.subList(0, i + 1)));
      }
      dir = child;
    }
    return dir;
  }

  // ------------------------------------------------------------------ files

  public Inode createFile(String path, boolean overwrite, boolean createParents, int replication,
      long blockSize, int mode, String owner, String group, String writer, long now) throws DfsException {
    return createFile(path, overwrite, createParents, replication, blockSize, mode, owner, group, writer, now, 0, "");
  }

  /**
   * As above; {@code chosenId} (unless 0) is the inode id session {@code who} chose for a create
   * it sent without waiting, under its delegation of the parent directory.
   */
  public Inode createFile(String path, boolean overwrite, boolean createParents, int replication,
      long blockSize, int mode, String owner, String group, String writer, long now, long chosenId, String who)
      throws DfsException {
    List<String> names = PathNames.components(path);
    if (names.isEmpty()) {
      throw new IsADirectoryException("cannot create a file at the root", path);
    }
    Inode parent = createParents
        ? mkdir(PathNames.join(names.subList(0, names.size() - 1)), true, 0, owner, group, now)
        : parentOf(names, path);
    String name = names.get(names.size() - 1);
    if (chosenId != 0) {
      delegations.checkChosenId(parent.id, who, chosenId, path);
    }
    Inode existing = parent.children.get(name);
    if (existing != null && chosenId != 0) {
      throw new PathExistsException("file exists", path); // the holder thought the name free: never replace
    }
    if (existing != null) {
      if (existing.isDirectory()) {
        throw new IsADirectoryException("a directory exists at this path", path);
      }
      if (!overwrite) {
        throw new PathExistsException("file exists", path);
      }
      if (existing.writer != null && !existing.writer.equals(writer)) {
        throw new AlreadyBeingCreatedException("the file is being written by " + existing.writer, path);
      }
      removeName(parent, name, now);
    }
    Inode file = newInode(chosenId != 0 ? chosenId : nextInodeId++, parent, FileType.REGULAR_FILE, name, now,
        mode > 0 ? mode & 07777 : DfsFileSystem.DEFAULT_FILE_MODE, owner, group);
    if (chosenId != 0) {
      delegations.idTaken(who, chosenId);
    }
    file.replication = replication;
    file.blockSize = blockSize;
    file.writer = writer;
    attach(parent, file, now);
    openFiles.put(file.id, file);
    return file;
  }

  /** Longest symlink target in bytes: PATH_MAX less its terminating NUL, as on Linux. */
  public static final int MAX_SYMLINK_TARGET = 4095;

  /** Creates a symbolic link holding {@code target} (any path, stored as given and never followed). */
  public Inode symlink(String path, String target, String owner, String group, long now) throws DfsException {
    if (target.isEmpty()) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "a symbolic link needs a target", path);
    }
    if (target.getBytes(UTF_8).length > MAX_SYMLINK_TARGET) {
      throw new NameTooLongException("symbolic link target longer than " + MAX_SYMLINK_TARGET + " bytes", path);
    }
    FreeName at = freeName(path);
    Inode link = newInode(at.dir(), FileType.SYMLINK, at.name(), now, 0777, owner, group);
    link.symlinkTarget = target;
    attach(at.dir(), link, now);
    return link;
  }

  /**
   * Creates a special file (FIFO, socket, character or block device) as mknod(2): an entry with a
   * type, mode and device number; the kernel that opens it does its I/O.
   */
  public Inode mknod(String path, FileType type, int mode, long rdev, String owner, String group, long now)
      throws DfsException {
    if (!Inode.isSpecial(type)) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "mknod makes FIFOs, sockets and devices, not a "
          + type, path);
    }
    FreeName at = freeName(path);
    Inode special = newInode(at.dir(), type, at.name(), now,
        (mode & 07777) > 0 ? mode & 07777 : DfsFileSystem.DEFAULT_FILE_MODE, owner, group);
    special.rdev = type == FileType.CHARACTER_DEVICE || type == FileType.BLOCK_DEVICE ? rdev : 0;
    attach(at.dir(), special, now);
    return special;
  }

  /** Most bytes an extended attribute's name may have, as on Linux (XATTR_NAME_MAX). */
  public static final int MAX_XATTR_NAME_BYTES = 255;
  /** Most bytes of names and values one entry's extended attributes may have together (XATTR_SIZE_MAX). */
  public static final int MAX_XATTR_BYTES = 65_536;

  /** Sets an extended attribute, as setxattr(2). */
  public Inode setXattr(String path, String name, ByteString value, XattrMode mode, long now) throws DfsException {
    Inode inode = resolve(path);
    checkXattrName(name, path);
    boolean has = inode.xattrs != null && inode.xattrs.containsKey(name);
    if (mode == XattrMode.XATTR_CREATE && has) {
      throw new PathExistsException("extended attribute " + name + " exists", path);
    }
    if (mode == XattrMode.XATTR_REPLACE && !has) {
      throw new XattrNotFoundException("no extended attribute " + name, path);
    }
    long total = xattrBytes(inode) - (has ? name.getBytes(UTF_8).length + inode.xattrs.get(name).size() : 0)
        + name.getBytes(UTF_8).length + value.size();
    if (total > MAX_XATTR_BYTES) {
      throw new XattrTooBigException("extended attributes over " + MAX_XATTR_BYTES + " bytes", path);
    }
    if (inode.xattrs == null) {
      inode.xattrs = new java.util.TreeMap<>();
    }
    inode.xattrs.put(name, value);
    inode.ctimeMs = now;
    return inode;
  }

  public Inode removeXattr(String path, String name, long now) throws DfsException {
    Inode inode = resolve(path);
    checkXattrName(name, path);
    if (inode.xattrs == null || inode.xattrs.remove(name) == null) {
      throw new XattrNotFoundException("no extended attribute " + name, path);
    }
    if (inode.xattrs.isEmpty()) {
      inode.xattrs = null;
    }
    inode.ctimeMs = now;
    return inode;
  }

  /** An entry's extended attributes, by name. */
  public Map<String, ByteString> xattrs(String path) throws DfsException {
    Inode inode = resolve(path);
    return inode.xattrs == null ? Map.of() : java.util.Collections.unmodifiableMap(inode.xattrs);
  }

  private static void checkXattrName(String name, String path) throws DfsException {
    int bytes = name.getBytes(UTF_8).length;
    if (bytes == 0 || bytes > MAX_XATTR_NAME_BYTES || name.indexOf('\0') >= 0) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "an extended attribute's name has 1 to "
          + MAX_XATTR_NAME_BYTES + " bytes and no NUL", path);
    }
  }

  private static long xattrBytes(Inode inode) {
    long n = 0;
    if (inode.xattrs != null) {
      for (var e : inode.xattrs.entrySet()) {
        n += e.getKey().getBytes(UTF_8).length + e.getValue().size();
      }
    }
    return n;
  }

  /** Most names one entry may have, as ext4's link limit. */
  public static final int MAX_LINKS = 65_000;

  /**
   * Gives an existing file or symbolic link another name, as link(2): both names are the same
   * entry (content, owner, mode, times) until one is removed, and it goes with its last name.
   */
  public Inode link(String existing, String path, long now) throws DfsException {
    Inode target = resolve(existing);
    if (target.isDirectory()) {
      throw new PermissionDeniedException(ErrorCode.NOT_PERMITTED, "a directory cannot have hard links", existing);
    }
    if (target.nameCount() >= MAX_LINKS) {
      throw new PermissionDeniedException(ErrorCode.NOT_PERMITTED, "already " + MAX_LINKS + " names", existing);
    }
    FreeName at = freeName(path);
    if (target.otherNames == null) {
      target.otherNames = new ArrayList<>(1);
    }
    target.otherNames.add(new Inode.Name(at.dir(), at.name()));
    at.dir().children.put(at.name(), target);
    at.dir().mtimeMs = now;
    at.dir().ctimeMs = now;
    target.ctimeMs = now;
    return target;
  }

  /**
   * Allocates the next block of a file being written, after fixing the previous block's length.
   * {@code pipeline} holds the nodes the leader chose for it; with none, nothing changes.
   */
  public BlockInfo addBlock(String path, long inodeId, String writer, BlockInfo previous, List<String> pipeline,
      long now) throws DfsException {
    Inode file = openFile(path, inodeId, writer);
    if (pipeline.isEmpty()) {
      throw new NoSpaceException(ErrorCode.NOT_ENOUGH_NODES, "no storage node can take a new block now", path);
    }
    updateLastBlock(file, previous, path);
    BlockInfo block = BlockInfo.newBuilder()
        .setBlockId(nextBlockId++).setGenerationStamp(nextGenerationStamp++).setLength(0).build();
    file.blocks.add(block);
    fileOfBlock.put(block.getBlockId(), file);
    file.mtimeMs = now;
    blockTable.index(file);
    if (previous != null && previous.getBlockId() != 0) {
      markCommitted(previous.getBlockId(), now);
    }
    blockTable.update(block.getBlockId(), e -> withPipeline(e, List.copyOf(pipeline)));
    return block;
  }

  /**
   * Pipeline recovery: the block under construction gets a fresh generation stamp; the failed
   * nodes leave its pipeline and the replacements join it.
   */
  public BlockInfo bumpGenerationStamp(String path, long inodeId, String writer, BlockInfo block, List<String> failed,
      List<String> replacements) throws DfsException {
    Inode file = openFile(path, inodeId, writer);
    int index = indexOfBlock(file, block.getBlockId(), path);
    BlockInfo bumped = file.blocks.get(index).toBuilder()
        .setGenerationStamp(nextGenerationStamp++).setLength(block.getLength()).build();
    file.blocks.set(index, bumped);
    blockTable.index(file);
    blockTable.update(bumped.getBlockId(), e -> {
      List<String> pipeline = new ArrayList<>(e.pipeline());
      pipeline.removeAll(failed);
      replacements.stream().filter(n -> !pipeline.contains(n)).forEach(pipeline::add);
      return withPipeline(e, List.copyOf(pipeline));
    });
    return bumped;
  }

  /** hflush/hsync: the open file's last block is at least {@code last}'s length (never shrinks). */
  public Inode fsync(String path, long inodeId, String writer, BlockInfo last, long now) throws DfsException {
    Inode file = openFile(path, inodeId, writer);
    if (file.blocks.isEmpty()) {
      return file;
    }
    BlockInfo current = file.blocks.get(file.blocks.size() - 1);
    if (last.getBlockId() != current.getBlockId() || last.getGenerationStamp() != current.getGenerationStamp()) {
      throw new DfsException(ErrorCode.STALE_GENERATION, "block " + last.getBlockId() + " generation "
          + last.getGenerationStamp() + " is not the file's block being written", path);
    }
    if (last.getLength() > current.getLength()) {
      file.blocks.set(file.blocks.size() - 1, current.toBuilder().setLength(last.getLength()).build());
      file.mtimeMs = now;
      blockTable.index(file);
    }
    return file;
  }

  public void abandonBlock(String path, long inodeId, String writer, BlockInfo block) throws DfsException {
    Inode file = openFile(path, inodeId, writer);
    int index = indexOfBlock(file, block.getBlockId(), path);
    if (index != file.blocks.size() - 1) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "only the last block can be abandoned", path);
    }
    free(file.blocks.remove(index));
  }

  public Inode complete(String path, long inodeId, String writer, BlockInfo last, long now) throws DfsException {
    Inode file = openFile(path, inodeId, writer);
    updateLastBlock(file, last, path);
    close(file, now);
    return file;
  }

  /** The writer's calls by path alone (inode id 0). */
  public BlockInfo addBlock(String path, String writer, BlockInfo previous, List<String> pipeline, long now)
      throws DfsException {
    return addBlock(path, 0, writer, previous, pipeline, now);
  }

  public Inode complete(String path, String writer, BlockInfo last, long now) throws DfsException {
    return complete(path, 0, writer, last, now);
  }

  /**
   * Lease recovery: the writer stopped renewing its lease, so the file is completed without it.
   * {@code last} is the last block as its nodes finalized it; without it the block is dropped
   * (none of its bytes were acknowledged). A no-op when the file has another writer by now.
   */
  public Inode recoverLease(String path, String writer, BlockInfo last, long now) throws DfsException {
    Inode file = resolveFile(path);
    if (file.writer == null || !file.writer.equals(writer)) {
      return file;
    }
    if (!file.blocks.isEmpty()) {
      BlockInfo current = file.blocks.get(file.blocks.size() - 1);
      BlockTable.Entry entry = blockTable.get(current.getBlockId());
      boolean committed = entry != null && entry.committedMs() > 0;
      if (last != null && last.getBlockId() == current.getBlockId()
          && last.getGenerationStamp() >= current.getGenerationStamp()) {
        updateLastBlock(file, last, path);
      } else if (!committed) {
        free(file.blocks.remove(file.blocks.size() - 1));
      }
    }
    close(file, now);
    return file;
  }

  private void close(Inode file, long now) {
    int last = file.blocks.size() - 1;
    if (last >= 0 && file.blocks.get(last).getLength() == 0) {
      free(file.blocks.remove(last)); // allocated with the file but never written
    }
    file.writer = null;
    file.mtimeMs = now;
    openFiles.remove(file.id);
    blockTable.index(file);
    if (!file.blocks.isEmpty()) {
      markCommitted(file.blocks.get(file.blocks.size() - 1).getBlockId(), now);
    }
  }

  /**
   * Files being written, with their writers: what the leader's lease monitor watches. An unlinked
   * one is not among them: nobody needs it completed, and it goes when reaped.
   */
  public List<Inode> openFiles() {
    return openFiles.values().stream().filter(f -> !unlinked.containsKey(f.id)).toList();
  }

  /**
   * Changes a complete file's length. Growing it appends a hole (zeros stored nowhere, see
   * {@link Holes}); shrinking it frees the blocks past {@code length} and shortens a hole that
   * straddles it. A cut inside a data block is refused: the client rewrites such a file (the
   * namespace never takes a client's word for which block holds what).
   */
  public Inode truncate(String path, long length, long now) throws DfsException {
    Inode file = resolveFile(path);
    if (file.writer != null) {
      throw new DfsException(ErrorCode.FILE_NOT_OPEN, "file is being written", path);
    }
    if (length < 0) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "negative truncate length " + length, path);
    }
    FileTooLargeException.check(length, path);
    long current = file.length();
    if (length >= current) {
      growWithHole(file, length - current);
      file.mtimeMs = now;
      file.ctimeMs = now;
      return file;
    }
    long offset = 0;
    List<BlockInfo> kept = new ArrayList<>();
    for (BlockInfo b : file.blocks) {
      if (offset + b.getLength() <= length) {
        kept.add(b);
      } else if (offset < length && Holes.isHole(b)) {
        kept.add(Holes.of(length - offset));
      } else if (offset < length) {
        throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "a cut inside block " + b.getBlockId()
            + " (at " + (length - offset) + " of its " + b.getLength() + " bytes) is a rewrite of the file", path);
      }
      offset += b.getLength();
    }
    for (BlockInfo b : file.blocks.subList(kept.size(), file.blocks.size())) {
      free(b);
    }
    file.blocks.clear();
    file.blocks.addAll(kept);
    file.mtimeMs = now;
    file.ctimeMs = now;
    blockTable.index(file);
    return file;
  }

  private static void growWithHole(Inode file, long bytes) {
    if (bytes == 0) {
      return;
    }
    int lastIndex = file.blocks.size() - 1;
    if (lastIndex >= 0 && Holes.isHole(file.blocks.get(lastIndex))) {
      file.blocks.set(lastIndex, Holes.of(file.blocks.get(lastIndex).getLength() + bytes));
    } else {
      file.blocks.add(Holes.of(bytes));
    }
  }

  // ------------------------------------------------------------------ delete, rename

  public void delete(String path, boolean recursive, long now) throws DfsException {
    Inode target = resolve(path);
    if (target == root) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "cannot delete the root", path);
    }
    if (target.isDirectory() && !target.children.isEmpty() && !recursive) {
      throw new DirectoryNotEmptyException("directory not empty", path);
    }
    List<String> names = PathNames.components(path);
    removeName(parentOf(names, path), names.get(names.size() - 1), now);
  }

  public Inode rename(String source, String destination, boolean overwrite, long now) throws DfsException {
    Inode src = resolve(source);
    List<String> dstNames = PathNames.components(destination);
    if (src == root || dstNames.isEmpty()) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "cannot rename the root", src == root ? source : destination);
    }
    List<String> srcNames = PathNames.components(source);
    Inode srcDir = parentOf(srcNames, source);
    String srcName = srcNames.get(srcNames.size() - 1);
    Inode dstParent = parentOf(dstNames, destination);
    String dstName = dstNames.get(dstNames.size() - 1);
    if (src.isAncestorOf(dstParent)) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "cannot move a directory under itself", destination);
    }
    Inode existing = dstParent.children.get(dstName);
    if (existing == src) {
      return src; // the same entry (or two names of it): POSIX says nothing happens
    }
    if (existing != null) {
      if (!overwrite) {
        throw new PathExistsException("destination exists", destination);
      }
      if (existing.isDirectory() && !src.isDirectory()) {
        throw new IsADirectoryException("cannot replace a directory with a file", destination);
      }
      if (!existing.isDirectory() && src.isDirectory()) {
        throw new NotADirectoryException("cannot replace a file with a directory", destination);
      }
      if (existing.isDirectory() && !existing.children.isEmpty()) {
        throw new DirectoryNotEmptyException("destination directory not empty", destination);
      }
      if (existing.writer != null) {
        throw new AlreadyBeingCreatedException("the destination is being written by " + existing.writer, destination);
      }
      removeName(dstParent, dstName, now);
    }
    srcDir.children.remove(srcName);
    srcDir.mtimeMs = now;
    src.ctimeMs = now;
    if (src.isFirstName(srcDir, srcName)) {
      src.name = dstName;
      attach(dstParent, src, now);
    } else {
      src.otherNames.set(src.otherNames.indexOf(new Inode.Name(srcDir, srcName)), new Inode.Name(dstParent, dstName));
      dstParent.children.put(dstName, src);
      dstParent.mtimeMs = now;
      dstParent.ctimeMs = now;
    }
    return src;
  }

  /**
   * The complete file at {@code source} becomes the content of the file at {@code destination}
   * and its own name goes: the destination keeps its inode (id, every name, owner, mode, extended
   * attributes), so a process holding it open, or a hard link to it, sees the same file with new
   * content, as after a rewrite in place on a local disk. Its old blocks are freed.
   */
  public Inode replaceContent(String source, String destination, long now) throws DfsException {
    return replaceContent(source, destination, 0, now);
  }

  /** As above, into the file with {@code destinationId} wherever it is now (0: the one at destination). */
  public Inode replaceContent(String source, String destination, long destinationId, long now) throws DfsException {
    Inode dst = file(destination, destinationId);
    Inode src = newContent(source, dst, destination);
    dst.blocks.forEach(this::free);
    dst.blocks.clear();
    dst.blocks.addAll(src.blocks);
    dst.replication = src.replication;
    dst.blockSize = src.blockSize;
    return landed(src, source, dst, now);
  }

  /**
   * The complete file at {@code source}, whose blocks are to become (some of) the complete file at
   * {@code destination}'s: a file of its own with one name, neither of them being written.
   */
  private Inode newContent(String source, Inode dst, String destination) throws DfsException {
    Inode src = resolveFile(source);
    if (src == dst || src.otherNames != null) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "new content must be a file of its own, with one"
          + " name", source);
    }
    if (src.writer != null) {
      throw new AlreadyBeingCreatedException("the new content is still being written by " + src.writer, source);
    }
    if (dst.writer != null) {
      throw new AlreadyBeingCreatedException("the file is being written by " + dst.writer, destination);
    }
    return src;
  }

  /** {@code dst} took {@code src}'s blocks: they are its now, and {@code src} goes. */
  private Inode landed(Inode src, String source, Inode dst, long now) throws DfsException {
    src.blocks.clear(); // moved, not freed
    dst.mtimeMs = now;
    dst.ctimeMs = now;
    own(dst);
    List<String> names = PathNames.components(source);
    removeName(parentOf(names, source), names.get(names.size() - 1), now);
    if (unlinked.remove(src.id) != null) {
      forget(src); // its blocks went to dst: nothing of it to keep
    }
    return dst;
  }

  // ------------------------------------------------------------------ attributes

  /**
   * Part of {@code destination} rewritten (see PatchContentRequest): its block list becomes the
   * segments, each a block of its own kept, a hole, or the next block of the complete file at
   * {@code source}, which goes; blocks not kept are freed. Nothing changes when a check fails.
   */
  public Inode patchContent(String source, String destination, List<Long> baseBlockIds,
      List<ContentSegment> segments, long now) throws DfsException {
    return patchContent(source, destination, 0, baseBlockIds, segments, now);
  }

  /** As above, into the file with {@code destinationId} wherever it is now (0: the one at destination). */
  public Inode patchContent(String source, String destination, long destinationId, List<Long> baseBlockIds,
      List<ContentSegment> segments, long now) throws DfsException {
    Inode dst = file(destination, destinationId);
    Inode src = newContent(source, dst, destination);
    List<Long> current = dst.blocks.stream().map(BlockInfo::getBlockId).toList();
    if (!current.equals(baseBlockIds)) {
      throw new StorageException(ErrorCode.STALE_FILE_HANDLE, "the file changed since the patch was planned",
          destination);
    }
    List<BlockInfo> blocks = new ArrayList<>();
    boolean[] kept = new boolean[current.size()];
    int lastKept = -1;
    int nextNew = 0;
    long length = 0;
    for (ContentSegment seg : segments) {
      BlockInfo b = switch (seg.getKindCase()) {
        case KEPT_BLOCK -> {
          int i = seg.getKeptBlock();
          if (i <= lastKept || i >= current.size() || Holes.isHole(dst.blocks.get(i))) {
            throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "a patch keeps blocks once each, in order,"
                + " and holes as holes: block " + i, destination);
          }
          lastKept = i;
          kept[i] = true;
          yield dst.blocks.get(i);
        }
        case HOLE -> {
          if (seg.getHole() <= 0) {
            throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "a hole of " + seg.getHole() + " bytes",
                destination);
          }
          yield Holes.of(seg.getHole());
        }
        case NEW_BLOCK -> {
          if (nextNew >= src.blocks.size()) {
            throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "the patch names more new blocks than the "
                + src.blocks.size() + " written", destination);
          }
          yield src.blocks.get(nextNew++);
        }
        default -> throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "an empty segment", destination);
      };
      length += b.getLength();
      blocks.add(b);
    }
    if (nextNew != src.blocks.size()) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "the patch leaves " + (src.blocks.size() - nextNew)
          + " of its new blocks out", destination);
    }
    FileTooLargeException.check(length, destination);
    for (int i = 0; i < current.size(); i++) {
      if (!kept[i]) {
        free(dst.blocks.get(i));
      }
    }
    dst.blocks.clear();
    dst.blocks.addAll(blocks);
    return landed(src, source, dst, now);
  }

  /**
   * As utimensat(2): times to the nanosecond ({@code -1} ms: leave that time as it is); the change
   * time becomes {@code now}.
   */
  public Inode setTimes(String path, long mtimeMs, int mtimeNanos, long atimeMs, int atimeNanos, long now)
      throws DfsException {
    if (mtimeNanos < 0 || mtimeNanos >= 1_000_000 || atimeNanos < 0 || atimeNanos >= 1_000_000) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "nanoseconds past a millisecond are 0..999,999",
          path);
    }
    Inode inode = resolve(path);
    if (mtimeMs >= 0) {
      inode.setMtime(mtimeMs, mtimeNanos);
    }
    if (atimeMs >= 0) {
      inode.setAtime(atimeMs, atimeNanos);
    }
    inode.ctimeMs = now;
    return inode;
  }

  public Inode setReplication(String path, int replication, long now) throws DfsException {
    if (replication <= 0 || replication > 32) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "replication must be 1..32, got " + replication, path);
    }
    Inode file = resolveFile(path);
    file.replication = replication;
    file.ctimeMs = now;
    blockTable.index(file);
    return file;
  }

  public Inode setPermission(String path, int mode, String owner, String group, long now) throws DfsException {
    Inode inode = resolve(path);
    if (mode >= 0) {
      inode.mode = mode & 07777;
    }
    if (owner != null && !owner.isEmpty()) {
      inode.owner = owner;
    }
    if (group != null && !group.isEmpty()) {
      inode.group = group;
    }
    inode.ctimeMs = now;
    return inode;
  }

  // ------------------------------------------------------------------ unlinked files

  /**
   * The regular file with inode id {@code id}, named or unlinked (kept for those who have it open):
   * STALE_FILE_HANDLE when it is gone for good. {@code path} only names it in errors.
   */
  public Inode fileById(long id, String path) throws DfsException {
    Inode file = inodes.get(id);
    if (file == null || file.type != FileType.REGULAR_FILE) {
      throw new StorageException(ErrorCode.STALE_FILE_HANDLE, "the file (inode " + id + ") is gone", path);
    }
    return file;
  }

  /** A regular file by its inode id when given (wherever it is now), else the one at {@code path}. */
  public Inode file(String path, long inodeId) throws DfsException {
    return inodeId != 0 ? fileById(inodeId, path) : resolveFile(path);
  }

  /** Whether the file has lost its last name and is kept only for those who have it open. */
  public boolean isUnlinked(Inode file) {
    return unlinked.containsKey(file.id);
  }

  /**
   * Up to {@code max} unlinked files that lost their last name at or before {@code before} and that
   * no session holds open: what the leader asks to reap.
   */
  public List<Long> reapable(long before, int max) {
    List<Long> out = new ArrayList<>();
    for (Inode f : unlinked.values()) {
      if (out.size() == max || f.unlinkedMs > before) {
        break; // the rest were unlinked later (a new leader's clock may lag a little: a pass later then)
      }
      if (!locks.isOpen(f.id)) {
        out.add(f.id);
      }
    }
    return out;
  }

  /** Forgets the unlinked files among {@code ids} that no session holds open now; returns how many went. */
  public int reap(List<Long> ids) {
    int reaped = 0;
    for (long id : ids) {
      Inode f = unlinked.get(id);
      if (f != null && !locks.isOpen(id)) {
        unlinked.remove(id);
        forget(f);
        reaped++;
      }
    }
    return reaped;
  }

  /** Unlinked files still kept, by id (for the image). */
  public java.util.Collection<Inode> unlinkedFiles() {
    return java.util.Collections.unmodifiableCollection(unlinked.values());
  }

  // ------------------------------------------------------------------ reads

  public Inode resolve(String path) throws DfsException {
    List<String> names = PathNames.components(path);
    Inode inode = root;
    for (int i = 0; i < names.size(); i++) {
      if (!inode.isDirectory()) {
        throw new NotADirectoryException("not a directory", PathNames.join(names.subList(0, i)));
      }
      inode = inode.children.get(names.get(i));
      if (inode == null) {
        throw new PathNotFoundException("no such file or directory", path);
      }
    }
    return inode;
  }

  /** A regular file: a directory or a symbolic link (which the namespace never follows) is refused. */
  public Inode resolveFile(String path) throws DfsException {
    Inode inode = resolve(path);
    if (inode.isDirectory()) {
      throw new IsADirectoryException("is a directory", path);
    }
    if (inode.type == FileType.SYMLINK) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "is a symbolic link (to " + inode.symlinkTarget
          + "), which the namespace does not follow", path);
    }
    if (inode.isSpecial()) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "is a " + inode.type
          + ", whose I/O the kernel that opens it does", path);
    }
    return inode;
  }

  public ListResponse list(String path, String startAfter, int limit) throws DfsException {
    Inode dir = resolve(path);
    if (!dir.isDirectory()) {
      return ListResponse.newBuilder().addEntries(status(dir)).build();
    }
    int max = limit > 0 ? Math.min(limit, DEFAULT_LIST_LIMIT) : DEFAULT_LIST_LIMIT;
    ListResponse.Builder out = ListResponse.newBuilder();
    var entries = startAfter == null || startAfter.isEmpty()
        ? dir.children.entrySet() : dir.children.tailMap(startAfter, false).entrySet();
    String prefix = dir == root ? "/" : dir.path() + "/";
    for (var entry : entries) {
      if (out.getEntriesCount() == max) {
        out.setHasMore(true);
        break;
      }
      out.addEntries(status(entry.getValue(), prefix + entry.getKey()));
    }
    return out.build();
  }

  /** The status of the entry at {@code path}, under that name. */
  public FileStatus statusAt(String path) throws DfsException {
    return status(resolve(path), PathNames.join(PathNames.components(path)));
  }

  /** The entry's status under its first name. */
  public FileStatus status(Inode inode) {
    return status(inode, unlinked.containsKey(inode.id) ? "" : inode.path());
  }

  /** The entry's status as seen under {@code path}, one of its names. */
  public FileStatus status(Inode inode, String path) {
    FileStatus.Builder b = FileStatus.newBuilder()
        .setPath(path)
        .setInodeId(inode.id)
        .setType(inode.type)
        .setMtimeMs(inode.mtimeMs)
        .setAtimeMs(inode.atimeMs)
        .setMtimeNanos(inode.mtimeNanos())
        .setAtimeNanos(inode.atimeNanos())
        .setCtimeMs(inode.ctimeMs)
        .setMode(inode.mode)
        .setOwner(inode.owner)
        .setGroup(inode.group)
        .setHasXattrs(inode.xattrs != null);
    if (inode.isDirectory()) {
      b.setChildren(inode.children.size());
    } else if (inode.type == FileType.SYMLINK) {
      b.setSymlinkTarget(inode.symlinkTarget)
          .setLength(inode.symlinkTarget.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
          .setNlink(inode.nameCount());
    } else if (inode.isSpecial()) {
      b.setNlink(inode.nameCount()).setRdev(inode.rdev);
    } else {
      b.setNlink(unlinked.containsKey(inode.id) ? 0 : inode.nameCount());
      b.setLength(inode.length())
          .setHoleBytes(inode.holeBytes())
          .setReplication(inode.replication)
          .setBlockSize(inode.blockSize)
          .setUnderConstruction(inode.writer != null);
    }
    return b.build();
  }

  /**
   * A directory's entries in name order (empty for a file), each entry only where it has its first
   * name, so a walk of the tree meets every file once however many hard links it has.
   */
  public List<Inode> children(Inode dir) {
    if (!dir.isDirectory()) {
      return List.of();
    }
    List<Inode> out = new ArrayList<>(dir.children.size());
    dir.children.forEach((name, child) -> {
      if (child.isFirstName(dir, name)) {
        out.add(child);
      }
    });
    return out;
  }

  /** The file a block belongs to, or null for a block no file references. */
  public Inode fileOfBlock(long blockId) {
    return fileOfBlock.get(blockId);
  }

  public Map<Long, Inode> blockOwners() {
    return java.util.Collections.unmodifiableMap(fileOfBlock);
  }

  /**
   * Counts of files (symbolic links included, each once however many names it has), directories
   * (the root included), blocks, and names beyond an entry's first (hard links).
   */
  public long[] counts() {
    long files = 0;
    long dirs = 0;
    long links = 0;
    Deque<Inode> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      Inode i = todo.pop();
      if (!i.isDirectory()) {
        files++;
        continue;
      }
      dirs++;
      for (var e : i.children.entrySet()) {
        if (e.getValue().isDirectory() || e.getValue().isFirstName(i, e.getKey())) {
          todo.add(e.getValue());
        } else {
          links++;
        }
      }
    }
    return new long[] {files, dirs, fileOfBlock.size(), links};
  }

  // ------------------------------------------------------------------ snapshot support

  Inode root() {
    return root;
  }

  long nextInodeId() {
    return nextInodeId;
  }

  long nextBlockId() {
    return nextBlockId;
  }

  long nextGenerationStamp() {
    return nextGenerationStamp;
  }

  void restoreCounters(long inodeId, long blockId, long generationStamp) {
    this.nextInodeId = inodeId;
    this.nextBlockId = blockId;
    this.nextGenerationStamp = generationStamp;
  }

  /** Restores an unlinked file read from a snapshot. */
  void restoreUnlinked(Inode file) {
    inodes.put(file.id, file);
    unlinked.put(file.id, file);
    own(file);
    if (file.writer != null) {
      openFiles.put(file.id, file);
    }
  }

  /** Restores a further name of an entry read from a snapshot, in an already-restored directory. */
  void restoreName(Inode dir, String name, Inode inode) {
    if (inode.otherNames == null) {
      inode.otherNames = new ArrayList<>(1);
    }
    inode.otherNames.add(new Inode.Name(dir, name));
    dir.children.put(name, inode);
  }

  /** Re-links an inode read from a snapshot under its already-restored parent. */
  void restore(Inode parent, Inode child) {
    child.parent = parent;
    parent.children.put(child.name, child);
    inodes.put(child.id, child);
    own(child);
    if (child.writer != null) {
      openFiles.put(child.id, child);
    }
  }

  // ------------------------------------------------------------------ internals

  /** A new entry in {@code dir}; without a group of its own it takes the directory's, as on HDFS and BSD. */
  private Inode newInode(Inode dir, FileType type, String name, long now, int mode, String owner, String group) {
    return newInode(nextInodeId++, dir, type, name, now, mode, owner, group);
  }

  private static Inode newInode(long id, Inode dir, FileType type, String name, long now, int mode, String owner,
      String group) {
    return new Inode(id, type, name, now, mode, owner == null || owner.isEmpty() ? DEFAULT_OWNER : owner,
        group == null || group.isEmpty() ? dir.group : group);
  }

  /** Where a new entry named by {@code path} goes: an existing directory, and a name not taken in it. */
  private record FreeName(Inode dir, String name) {}

  private FreeName freeName(String path) throws DfsException {
    List<String> names = PathNames.components(path);
    if (names.isEmpty()) {
      throw new PathExistsException("the root exists", path);
    }
    Inode parent = parentOf(names, path);
    String name = names.get(names.size() - 1);
    if (parent.children.containsKey(name)) {
      throw new PathExistsException("file exists", path);
    }
    return new FreeName(parent, name);
  }

  private Inode parentOf(List<String> names, String path) throws DfsException {
    String parentPath = PathNames.join(names.subList(0, names.size() - 1));
    Inode parent;
    try {
      parent = resolve(parentPath);
    } catch (PathNotFoundException e) {
      throw new PathNotFoundException("parent directory does not exist", path);
    }
    if (!parent.isDirectory()) {
      throw new NotADirectoryException("parent is not a directory", path);
    }
    return parent;
  }

  /** The file {@code writer} writes: by its inode id when given (renamed or unlinked meanwhile), else at path. */
  private Inode openFile(String path, long inodeId, String writer) throws DfsException {
    Inode file = inodeId != 0 ? openFiles.get(inodeId) : resolveFile(path);
    if (file == null || file.writer == null || !file.writer.equals(writer)) {
      throw new DfsException(ErrorCode.FILE_NOT_OPEN, "file is not open for writing by this client", path);
    }
    return file;
  }

  private int indexOfBlock(Inode file, long blockId, String path) throws DfsException {
    for (int i = 0; i < file.blocks.size(); i++) {
      if (file.blocks.get(i).getBlockId() == blockId) {
        return i;
      }
    }
    throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT, "block " + blockId + " is not in the file", path);
  }

  private void updateLastBlock(Inode file, BlockInfo reported, String path) throws DfsException {
    if (reported == null || reported.getBlockId() == 0) {
      return;
    }
    if (file.blocks.isEmpty() || file.blocks.get(file.blocks.size() - 1).getBlockId() != reported.getBlockId()) {
      throw new InvalidPathException(ErrorCode.INVALID_ARGUMENT,
          "block " + reported.getBlockId() + " is not the file's last block", path);
    }
    BlockInfo current = file.blocks.get(file.blocks.size() - 1);
    if (reported.getGenerationStamp() != current.getGenerationStamp()) {
      // older: a stale writer; newer: a stamp the namespace never issued for this block, which would
      // make every real replica look stale
      throw new DfsException(ErrorCode.STALE_GENERATION, "block " + reported.getBlockId() + " reported with generation "
          + reported.getGenerationStamp() + ", the namespace issued " + current.getGenerationStamp(), path);
    }
    file.blocks.set(file.blocks.size() - 1, current.toBuilder()
        .setLength(reported.getLength()).setGenerationStamp(reported.getGenerationStamp()).build());
  }

  private void attach(Inode parent, Inode child, long now) {
    child.parent = parent;
    parent.children.put(child.name, child);
    inodes.put(child.id, child);
    parent.mtimeMs = now;
    parent.ctimeMs = now;
  }

  /**
   * Removes one name from a directory. An entry that loses its last name goes, and with it a
   * directory's subtree and the blocks of every file that had no name left outside it.
   */
  private void removeName(Inode dir, String name, long now) {
    Inode inode = dir.children.remove(name);
    dir.mtimeMs = now;
    dir.ctimeMs = now;
    if (!dropName(inode, dir, name, now)) {
      return;
    }
    Deque<Inode> todo = new ArrayDeque<>(List.of(inode));
    while (!todo.isEmpty()) {
      Inode i = todo.pop();
      if (i.isDirectory()) {
        delegations.directoryRemoved(i.id);
        inodes.remove(i.id);
      } else if (i.type == FileType.REGULAR_FILE) {
        i.unlinkedMs = now;
        unlinked.put(i.id, i);
        continue;
      } else {
        forget(i); // links and special files: nobody reads or writes them through us
        continue;
      }
      for (var e : i.children.entrySet()) {
        if (e.getValue().isDirectory() || dropName(e.getValue(), i, e.getKey(), now)) {
          todo.push(e.getValue());
        }
      }
    }
  }

  /** Forgets one of an entry's names (a further one takes over from the first); true when it was the last. */
  private static boolean dropName(Inode inode, Inode dir, String name, long now) {
    if (inode.otherNames == null) {
      return true;
    }
    if (inode.isFirstName(dir, name)) {
      Inode.Name next = inode.otherNames.remove(0);
      inode.parent = next.dir();
      inode.name = next.name();
    } else {
      inode.otherNames.remove(new Inode.Name(dir, name));
    }
    if (inode.otherNames.isEmpty()) {
      inode.otherNames = null;
    }
    inode.ctimeMs = now;
    return false;
  }

  /** An entry gone for good: its blocks are freed, and nothing finds it by its id any more. */
  private void forget(Inode inode) {
    inode.blocks.forEach(this::free);
    openFiles.remove(inode.id);
    inodes.remove(inode.id);
    locks.releaseFile(inode.id);
  }

  /** Every stored block of the file is the file's, for the block service (the opposite of {@link #free}). */
  private void own(Inode file) {
    for (BlockInfo b : file.blocks) {
      if (!Holes.isHole(b)) {
        fileOfBlock.put(b.getBlockId(), file);
      }
    }
    blockTable.index(file);
  }

  private void free(BlockInfo block) {
    if (Holes.isHole(block)) {
      return;
    }
    fileOfBlock.remove(block.getBlockId());
    blockTable.remove(block.getBlockId());
  }

  private void markCommitted(long blockId, long now) {
    blockTable.update(blockId, e -> new BlockTable.Entry(e.block(), e.inodeId(), e.replication(),
        e.underConstruction(), e.pipeline(), now));
  }

  private static BlockTable.Entry withPipeline(BlockTable.Entry e, List<String> pipeline) {
    return new BlockTable.Entry(e.block(), e.inodeId(), e.replication(), e.underConstruction(), pipeline,
        e.committedMs());
  }
}
