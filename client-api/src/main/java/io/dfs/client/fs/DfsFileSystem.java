package io.dfs.client.fs;

import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.FsckResponse;
import io.dfs.proto.ListResponse;
import io.dfs.proto.XattrMode;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The file system as applications see it. Paths are absolute and normalized ("/a/b"); every
 * failure is a {@link io.dfs.client.error.DfsException} subtype naming exactly what went wrong.
 *
 * <p>Consistency: namespace calls are linearizable. File data follows close-to-open: a reader that
 * opens a file after a writer's {@code close()} returned sees all of that writer's bytes.
 */
public interface DfsFileSystem extends Closeable {
  /** The largest file: 16 TiB, ext4's limit. */
  long MAX_FILE_SIZE = 16L << 40;

  /** A file's block size is a multiple of the checksum chunk, and at least this. */
  long MIN_BLOCK_SIZE = 4096;

  /** Block sizes are whole checksum chunks. */
  int BLOCK_SIZE_UNIT = 512;

  int MAX_REPLICATION = 32;

  /** The permission bits of a file created without any (as by HDFS and a umask of 022). */
  int DEFAULT_FILE_MODE = 0644;

  /** The permission bits of a directory made without any. */
  int DEFAULT_DIR_MODE = 0755;

  /** Creates a file and returns a stream that writes it; the file is complete when the stream closes. */
  DfsOutputStream create(String path, CreateOptions options) throws IOException;

  /** Opens a complete file for reading. */
  DfsInputStream open(String path) throws IOException;

  /**
   * Opens the file with inode id {@code inodeId} (an open descriptor's) wherever it is now: at
   * {@code path}, renamed, or unlinked by another client and still held open (LockKind.OPEN).
   * STALE_FILE_HANDLE once it is gone for good.
   */
  DfsInputStream open(String path, long inodeId) throws IOException;

  /** Creates one directory; its parent must exist. */
  default FileStatus mkdir(String path) throws IOException {
    return mkdir(path, 0);
  }

  /**
   * Creates one directory with permission bits {@code mode} (0 = the default; S_IFDIR, 040000, with
   * the bits: exactly those, none included), in one step.
   */
  default FileStatus mkdir(String path, int mode) throws IOException {
    return mkdir(path, mode, "", "");
  }

  /** As {@link #mkdir(String, int)}, owned by {@code owner} and {@code group} (empty: the cluster's default). */
  FileStatus mkdir(String path, int mode, String owner, String group) throws IOException;

  /** Creates a directory and any missing ancestors; no error if it already exists. */
  FileStatus mkdirs(String path) throws IOException;

  FileStatus stat(String path) throws IOException;

  boolean exists(String path) throws IOException;

  /** Every entry of a directory, fetched page by page. */
  List<FileStatus> list(String path) throws IOException;

  /** One page of a directory's entries, those whose name sorts after {@code startAfter}. */
  ListResponse listPage(String path, String startAfter, int limit) throws IOException;

  /**
   * Atomically moves a file or directory. With {@code overwrite}, an existing file (or empty
   * directory, when the source is a directory) at the destination is replaced, as rename(2) does.
   */
  void rename(String source, String destination, boolean overwrite) throws IOException;

  /** Deletes a file, an empty directory, or with {@code recursive} a whole tree. */
  void delete(String path, boolean recursive) throws IOException;

  /**
   * Sets the modification and access times, to the nanosecond (utimensat(2)); null leaves a time
   * unchanged. Returns the changed entry (FileTimes reads its times back).
   */
  FileStatus setTimes(String path, java.nio.file.attribute.FileTime mtime, java.nio.file.attribute.FileTime atime)
      throws IOException;

  /** Returns the changed entry. */
  FileStatus setPermission(String path, int mode) throws IOException;

  /** Empty owner or group leaves it unchanged. Returns the changed entry. */
  FileStatus setOwner(String path, String owner, String group) throws IOException;

  void setReplication(String path, int replication) throws IOException;

  /**
   * Creates a symbolic link at {@code link} holding {@code target}, as symlink(2). The namespace
   * stores links and never follows them (the mount's kernel does, as for any file system): a path
   * through a link is "not a directory" here, and opening a link is refused.
   */
  default FileStatus symlink(String target, String link) throws IOException {
    return symlink(target, link, "", "");
  }

  /** As {@link #symlink(String, String)}, owned by {@code owner} and {@code group} (empty: the cluster's default). */
  FileStatus symlink(String target, String link, String owner, String group) throws IOException;

  /**
   * Gives the file or symbolic link at {@code existing} a further name {@code link}, as link(2): both
   * names are one entry (content, owner, mode, times), which goes with the last of its names. A
   * directory cannot be linked ({@link io.dfs.client.error.PermissionDeniedException}, EPERM).
   * Returns the entry as {@code link} shows it (its link count included).
   */
  FileStatus link(String existing, String link) throws IOException;

  /**
   * Creates a special file at {@code path}, as mknod(2): a FIFO, a socket, or a character or block
   * device ({@code rdev}, its device number). It has no content here: the kernel of the machine
   * that opens it through the mount does its I/O.
   */
  FileStatus mknod(String path, FileType type, int mode, long rdev, String owner, String group) throws IOException;

  /**
   * Sets an extended attribute, as setxattr(2) ({@code mode}: create or replace, create only,
   * replace only). Names carry their namespace, e.g. {@code user.origin}; an entry holds at most
   * 64 KiB of names and values ({@link io.dfs.client.error.XattrTooBigException}).
   */
  FileStatus setXattr(String path, String name, byte[] value, XattrMode mode) throws IOException;

  /** Removes an extended attribute; {@link io.dfs.client.error.XattrNotFoundException} when there is none by that name. */
  FileStatus removeXattr(String path, String name) throws IOException;

  /** An entry's extended attributes by name (empty when it has none). */
  Map<String, byte[]> xattrs(String path) throws IOException;

  /**
   * Shortens or lengthens a closed file to {@code length} bytes. What it grows by is a hole: it
   * reads as zeros and takes no space on any node.
   */
  void truncate(String path, long length) throws IOException;

  /**
   * Applies an attribute change without waiting for it where the file system can tell it will
   * succeed (see DfsClient); the future reports its outcome. Null: apply it the ordinary way.
   */
  default java.util.concurrent.CompletableFuture<?> setAttributesWithoutWaiting(String path, AttributeUpdate update) {
    return null;
  }

  /**
   * Decides a rename of a file alone where the file system can tell it will succeed (see
   * DfsClient), so the caller may send it later, with the file's completion
   * ({@link DfsOutputStream#addToCompletion}). Returns what to hand the rename's outcome once it is
   * sent; null: rename the ordinary way.
   */
  default java.util.function.Consumer<java.util.concurrent.CompletableFuture<?>> claimRename(String source,
      String destination) {
    return null;
  }

  /**
   * The CRC32C of a complete file's content, composed from its blocks' CRCs by the nodes that
   * hold them (no data crosses the network): equal content, equal checksum, whatever the block sizes.
   */
  /**
   * Writes what {@code overlay} changed in the complete file at {@code path} without copying the
   * rest: each data block written in or cut is rewritten whole, every other block and hole is kept
   * (see PatchPlan), and the file keeps its inode, names, owner and mode; {@code onClose} is applied
   * in the same metadata write. Untouched bytes are the file's content at the time of the patch (a
   * patch planned on content another writer changed meanwhile is planned again), so concurrent
   * writers of different ranges each keep theirs, as on a local disk; {@code written} reads the
   * bytes the overlay says were written. With {@code inodeId} (not 0) the file is that one wherever
   * it is now (see {@link #open(String, long)}). The file as the patch left it.
   */
  FileStatus patch(String path, long inodeId, io.dfs.client.patch.FileOverlay overlay,
      io.dfs.client.patch.FileOverlay.Written written, AttributeUpdate onClose) throws IOException;

  /**
   * Takes, changes or drops a cluster-wide advisory lock of this client (a flock or a POSIX
   * byte-range lock; see LockRequest) on the file at {@code request.path}, or the file with
   * {@code request.inode_id}. A lock in the way fails with LockConflictException, unless the request
   * asks to wait: then this returns once the lock is taken (InterruptedIOException if the thread is
   * interrupted, or the owner lets go of all its locks on the file meanwhile). The client's locks
   * go when it closes, or when it stays silent past the leader's lock lease (10 s).
   */
  void lock(io.dfs.proto.LockRequest request) throws IOException;

  /** Whether the request's owner may hold a lock of its kind on its file (by inode id) through this client. */
  boolean mayHoldLock(io.dfs.proto.LockRequest request);

  /** The first lock of another owner that {@code request} (shared or exclusive) would conflict with (F_GETLK). */
  java.util.Optional<io.dfs.proto.FileLock> lockInTheWay(io.dfs.proto.LockRequest request) throws IOException;

  io.dfs.client.checksum.FileChecksum checksum(String path) throws IOException;

  /** Leader, peers, storage nodes, capacity and block health. */
  ClusterStatusResponse clusterStatus() throws IOException;

  /** Files under {@code path} with missing, under-replicated or corrupt blocks. */
  FsckResponse fsck(String path) throws IOException;
}
