package io.dfs.fuse;

import static io.dfs.client.fs.PathNames.nameOf;
import static io.dfs.client.fs.PathNames.parentOf;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.AttributeUpdate;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.DfsOutputStream;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.ListResponse;
import io.dfs.proto.XattrMode;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Flock;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The file system as the kernel sees it. Each callback maps to the client and turns a failure
 * into its errno; file data goes through {@link FileHandle}. Permissions are recorded, not
 * enforced: the mount serves its user (see docs/fuse.md).
 */
public final class DfsFuse extends FuseStubFS {
  private static final Logger LOG = LoggerFactory.getLogger(DfsFuse.class);

  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;

  private final DfsFileSystem fs;
  private final Path spillDir;
  private final OpenFiles open = new OpenFiles();
  private final AttributeCache attributes = new AttributeCache(System::nanoTime);
  private final ListingReadAhead readAhead = new ListingReadAhead(System::nanoTime);
  private final MetricRegistry metrics;
  private final WriteBehind writeBehind;
  private final AdvisoryLocks locks;
  private final OpenHolds holds;

  /** {@code writeBack}: whether close(2) hands completions to the background (see {@link WriteBehind}). */
  public DfsFuse(DfsFileSystem fs, Path spillDir, MetricRegistry metrics, boolean writeBack) {
    this.fs = fs;
    this.spillDir = spillDir;
    this.metrics = metrics;
    this.holds = new OpenHolds(fs);
    this.locks = new AdvisoryLocks(fs, new AdvisoryLocks.WritesOut() {
      @Override
      public void flush(FileHandle h) throws IOException {
        writeOut(h.path(), h, FileHandle::flush);
      }

      @Override
      public void awaitAll() throws IOException {
        writeBehind.awaitAll();
      }
    });
    this.writeBehind = new WriteBehind(writeBack, metrics, completed -> attributes.changed(completed.getPath(), completed),
        failed -> {
          attributes.invalidate(failed);
          attributes.forgetListing(parentOf(failed)); // a new file whose write-back failed is gone
        });
    declareUtimeOmitOk();
  }

  /**
   * Tells libfuse that {@link #utimens} understands UTIME_OMIT and UTIME_NOW. Without it libfuse 2
   * drops every time change that sets only one of the two times, such as tar's
   * {@code futimens(fd, {UTIME_OMIT, mtime})}, and extracted files keep the time of extraction.
   * jnr-fuse maps the C bit field {@code flag_nullpath_ok:1, flag_nopath:1, flag_utime_omit_ok:1}
   * to one byte per flag, so the field's first byte is where the bits live.
   */
  private void declareUtimeOmitOk() {
    try {
      Method offset = Class.forName("jnr.ffi.Struct$AbstractMember").getDeclaredMethod("offset");
      offset.setAccessible(true);
      long at = (long) offset.invoke(fuseOperations.flag_nullpath_ok);
      Pointer memory = Struct.getMemory(fuseOperations);
      memory.putByte(at, (byte) (memory.getByte(at) | 0b100));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot declare utime_omit_ok to libfuse", e);
    }
  }

  private interface Op {
    int run() throws Exception;
  }

  /** Runs a callback, timing it (rate and latency histogram) and mapping any failure to an errno. */
  private int call(String name, Op op) {
    try (var timer = metrics.timer("fuse." + name).time()) {
      return op.run();
    } catch (Exception e) {
      metrics.counter("fuse.errors").inc();
      int errno = Errno.of(e);
      if (errno == -ErrorCodes.EIO()) {
        // what the application sees says nothing: the log says what failed
        LOG.warn("{} failed with EIO", name, e);
      }
      return errno;
    }
  }

  @Override
  public int getattr(String path, FileStat stat) {
    return call("getattr", () -> {
      Attributes.fill(stat, status(path), MOUNTING_USER.getUid(), MOUNTING_USER.getGid());
      return 0;
    });
  }

  /** The entry as this mount sees it: an open handle's pending view, a recent answer, or the cluster's. */
  private FileStatus status(String path) throws Exception {
    FileHandle h = open.latest(path);
    FileStatus pending = h == null ? null : h.pendingStatus();
    if (pending != null) {
      return pending;
    }
    FileStatus writingBack = writeBehind.shown(path);
    if (writingBack != null) {
      return writingBack;
    }
    FileStatus cached = attributes.get(path);
    if (cached != null) {
      metrics.meter("fuse.attr_cache.hits").mark();
      return cached;
    }
    if (attributes.knownAbsent(path)) {
      metrics.meter("fuse.attr_cache.absent").mark();
      throw new PathNotFoundException("no such file or directory", path);
    }
    return fetch(path);
  }

  /**
   * The cluster's entry, remembered unless this mount changed something meanwhile. In a directory
   * being scanned (see {@link ListingReadAhead}) it comes with the entries listed after it.
   */
  private FileStatus fetch(String path) throws IOException {
    long epoch = attributes.epoch();
    String dir = parentOf(path);
    if (!nameOf(path).isEmpty() && readAhead.isScanning(dir)) {
      String name = nameOf(path);
      ListResponse page = fs.listPage(dir, ListingReadAhead.startingAt(name), ListingReadAhead.PAGE);
      metrics.meter("fuse.attr_read_ahead").mark();
      readAhead.scanning(dir);
      FileStatus found = null;
      boolean covered = !page.getHasMore(); // the page reached past the name: its absence is real
      for (FileStatus e : page.getEntriesList()) {
        attributes.fill(e.getPath(), e, epoch);
        int order = nameOf(e.getPath()).compareTo(name);
        if (order == 0) {
          found = e;
        }
        covered |= order >= 0;
      }
      if (found != null) {
        return found;
      }
      if (covered) {
        throw new PathNotFoundException("no such file or directory", path);
      }
    }
    FileStatus fresh = fs.stat(path);
    attributes.fill(path, fresh, epoch);
    return fresh;
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return call("fgetattr", () -> {
      FileHandle h = open.get(fi.fh.get());
      FileStatus named;
      try {
        named = status(path);
      } catch (PathNotFoundException e) {
        if (h == null) {
          throw e;
        }
        named = null;
      }
      // the descriptor's own file when another client renamed, replaced or removed it: the kernel
      // asks before reads (for the length), and a removed name must not end them
      FileStatus st = h != null && (named == null || named.getInodeId() != h.inodeId()) ? h.ownStatus() : named;
      Attributes.fill(stat, st, MOUNTING_USER.getUid(), MOUNTING_USER.getGid());
      return 0;
    });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
    return call("readdir", () -> {
      filter.apply(buf, ".", null, 0);
      filter.apply(buf, "..", null, 0);
      String after = "";
      ListResponse page;
      long started = attributes.epoch();
      readAhead.scanning(path);
      List<String> names = new ArrayList<>();
      do {
        // the listing carries every entry's attributes: remember them for the getattr calls
        // that follow (ls -l) instead of asking again entry by entry
        long epoch = attributes.epoch();
        page = fs.listPage(path, after, 0);
        for (FileStatus e : page.getEntriesList()) {
          after = e.getPath().substring(e.getPath().lastIndexOf('/') + 1);
          attributes.fill(e.getPath(), e, epoch);
          names.add(after);
          filter.apply(buf, after, null, 0);
        }
      } while (page.getHasMore());
      attributes.listed(path, names, started);
      return 0;
    });
  }

  @Override
  public int mkdir(String path, long mode) {
    return call("mkdir", () -> {
      writeBehind.await(path); // a file that left this path may still be there in the cluster
      Ownership o = ownershipOfNew(path);
      int bits = (int) (mode & 07777) | (o.inheritSetgid() ? SETGID : 0);
      // S_IFDIR marks the bits as given, zero too (0 alone would mean the default)
      attributes.entryCreated(path, fs.mkdir(path, bits | S_IFDIR, o.owner(), o.group()));
      attributes.createdDirectory(path);
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return call("rmdir", () -> {
      if (status(path).getType() != FileType.DIRECTORY) {
        return -ErrorCodes.ENOTDIR();
      }
      writeBehind.awaitTree(path);
      remove(path);
      return 0;
    });
  }

  /** symlink(2): the link is stored in the namespace; the kernel follows it, as on any file system. */
  @Override
  public int symlink(String oldpath, String newpath) {
    return call("symlink", () -> {
      writeBehind.await(newpath);
      Ownership o = ownershipOfNew(newpath);
      attributes.entryCreated(newpath, fs.symlink(oldpath, newpath, o.owner(), o.group()));
      return 0;
    });
  }

  /**
   * link(2): a further name of the same entry (a hard link), as git does with each object it
   * writes. The entry's content as this mount wrote it is in the cluster first, so the new name
   * shows it.
   */
  @Override
  public int link(String oldpath, String newpath) {
    return call("link", () -> {
      settle(oldpath);
      writeBehind.await(newpath);
      FileStatus linked = fs.link(oldpath, newpath);
      attributes.entryCreated(newpath, linked);
      changedSinceSettled(oldpath, linked.toBuilder().setPath(oldpath).build()); // one entry: its link count too
      return 0;
    });
  }

  /**
   * mknod(2): a FIFO, socket or device node is an entry in the namespace; the kernel of the
   * machine that opens it does its I/O, as on any file system. A regular file is created empty.
   */
  @Override
  public int mknod(String path, long mode, long rdev) {
    return call("mknod", () -> {
      writeBehind.await(path);
      Ownership o = ownershipOfNew(path);
      int bits = (int) (mode & 07777);
      int kind = (int) (mode & FileStat.S_IFMT);
      if (kind == FileStat.S_IFREG || kind == 0) {
        DfsOutputStream out = fs.create(path, CreateOptions.defaults().withMode(bits).withOwner(o.owner(), o.group()));
        out.close();
        attributes.entryCreated(path, out.created());
        return 0;
      }
      FileType type = switch (kind) {
        case FileStat.S_IFIFO -> FileType.FIFO;
        case FileStat.S_IFSOCK -> FileType.SOCKET;
        case FileStat.S_IFCHR -> FileType.CHARACTER_DEVICE;
        case FileStat.S_IFBLK -> FileType.BLOCK_DEVICE;
        default -> null;
      };
      if (type == null) {
        return -ErrorCodes.EINVAL();
      }
      attributes.entryCreated(path, fs.mknod(path, type, bits, rdev, o.owner(), o.group()));
      return 0;
    });
  }

  /**
   * getxattr(2). The kernel asks for security.capability before every write; an entry whose
   * attributes (cached) say it has no extended attributes answers ENODATA without a round trip.
   */
  @Override
  public int getxattr(String path, String name, Pointer value, long size) {
    return call("getxattr", () -> {
      if (!status(path).getHasXattrs()) {
        return -ErrorCodes.ENODATA();
      }
      byte[] v = fs.xattrs(path).get(name);
      if (v == null) {
        return -ErrorCodes.ENODATA();
      }
      return copyOut(v, value, size);
    });
  }

  @Override
  public int listxattr(String path, Pointer list, long size) {
    return call("listxattr", () -> {
      if (!status(path).getHasXattrs()) {
        return 0;
      }
      java.io.ByteArrayOutputStream names = new java.io.ByteArrayOutputStream();
      for (String name : fs.xattrs(path).keySet()) {
        names.writeBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        names.write(0);
      }
      return copyOut(names.toByteArray(), list, size);
    });
  }

  /** The kernel's two-step protocol: size 0 asks how big; a buffer too small is ERANGE. */
  private static int copyOut(byte[] bytes, Pointer buf, long size) {
    if (size == 0) {
      return bytes.length;
    }
    if (size < bytes.length) {
      return -ErrorCodes.ERANGE();
    }
    buf.put(0, bytes, 0, bytes.length);
    return bytes.length;
  }

  @Override
  public int setxattr(String path, String name, Pointer value, long size, int flags) {
    return call("setxattr", () -> {
      byte[] v = new byte[(int) size];
      value.get(0, v, 0, v.length);
      XattrMode mode = (flags & XATTR_CREATE) != 0 ? XattrMode.XATTR_CREATE
          : (flags & XATTR_REPLACE) != 0 ? XattrMode.XATTR_REPLACE : XattrMode.XATTR_SET;
      settle(path);
      changedSinceSettled(path, fs.setXattr(path, name, v, mode));
      return 0;
    });
  }

  @Override
  public int removexattr(String path, String name) {
    return call("removexattr", () -> {
      settle(path);
      changedSinceSettled(path, fs.removeXattr(path, name));
      return 0;
    });
  }

  @Override
  public int readlink(String path, Pointer buf, long size) {
    return call("readlink", () -> {
      FileStatus s = status(path);
      if (s.getType() != FileType.SYMLINK) {
        return -ErrorCodes.EINVAL();
      }
      byte[] target = s.getSymlinkTarget().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1); // the kernel's buffer, NUL-terminated
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    });
  }

  @Override
  public int unlink(String path) {
    return call("unlink", () -> {
      if (status(path).getType() == FileType.DIRECTORY) {
        return -ErrorCodes.EISDIR();
      }
      settle(path);
      remove(path);
      return 0;
    });
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return call("rename", () -> {
      // a file closed moments ago and still being written back, renamed where this mount holds
      // both directories (rsync's temporary file onto its name, an editor's save): the rename rides
      // with the file's completion instead of waiting for it
      Consumer<CompletableFuture<?>> claim = open.handlesUnder(oldpath).isEmpty() && writeBehind.isPending(oldpath)
          ? fs.claimRename(oldpath, newpath) : null;
      CompletableFuture<FileStatus> riding = claim == null ? null : writeBehind.renameWithCompletion(oldpath, newpath);
      if (riding != null) {
        claim.accept(riding);
        metrics.meter("fuse.rename_with_completion").mark();
        attributes.fileMoved(oldpath, newpath, System.currentTimeMillis());
        return 0;
      }
      try {
        renameNow(oldpath, newpath);
        if (claim != null) {
          metrics.meter("fuse.rename_after_completion").mark(); // its completion went first
          claim.accept(CompletableFuture.completedFuture(null));
        }
      } catch (Exception e) {
        if (claim != null) {
          claim.accept(CompletableFuture.failedFuture(e));
        }
        attributes.forgetListing(parentOf(oldpath));
        attributes.forgetListing(parentOf(newpath));
        throw e;
      } finally {
        attributes.invalidateTree(oldpath);
        attributes.invalidateTree(newpath);
        attributes.invalidate(parentOf(oldpath));
        attributes.invalidate(parentOf(newpath));
      }
      open.renamed(oldpath, newpath);
      attributes.nameAdded(newpath);
      return 0;
    });
  }

  private void renameNow(String oldpath, String newpath) throws IOException {
    // files still streaming, the entry's or (a directory's) any under it, complete first: their
    // streams name them by path
    for (FileHandle h : open.handlesUnder(oldpath)) {
      h.settle();
    }
    writeBehind.awaitTree(oldpath);
    writeBehind.awaitTree(newpath);
    fs.rename(oldpath, newpath, true);
  }

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    return call("create", () -> {
      writeBehind.await(path); // a file that left this path may still be there in the cluster
      Ownership o = ownershipOfNew(path);
      DfsOutputStream out = fs.create(path, CreateOptions.defaults().withMode((int) (mode & 07777))
          .withOwner(o.owner(), o.group()));
      long fh = open.add(path, FileHandle.streaming(fs, path, spillDir, writeBehind, out.created(), out));
      fi.fh.set(fh);
      holds.opened(fh, out.created().getInodeId(), path);
      attributes.entryCreated(path, out.created());
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return call("open", () -> {
      // close-to-open: an open always sees the cluster's current entry, after this mount's
      // own write-back of the file and with what another descriptor here is still writing
      settle(path);
      FileStatus st = fetch(path);
      if (st.getType() == FileType.DIRECTORY) {
        return -ErrorCodes.EISDIR();
      }
      if (st.getNlink() > 1 && settleOtherNames(st.getInodeId(), path)) {
        st = fetch(path); // as this mount's writes through another name left it
      }
      long fh = open.add(path, new FileHandle(fs, path, spillDir, writeBehind, st));
      fi.fh.set(fh);
      holds.opened(fh, st.getInodeId(), path);
      return 0;
    });
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return call("read", () -> {
      FileHandle h = handle(fi);
      byte[] bytes = new byte[(int) size];
      int n = h.read(offset, bytes, (int) size);
      buf.put(0, bytes, 0, n);
      metrics.meter("fuse.bytes.read").mark(n);
      return n;
    });
  }

  @Override
  public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return call("write", () -> {
      byte[] bytes = new byte[(int) size];
      buf.get(0, bytes, 0, (int) size);
      handle(fi).write(offset, bytes, (int) size);
      metrics.meter("fuse.bytes.written").mark(size);
      return (int) size;
    });
  }

  @Override
  public int truncate(String path, long size) {
    return call("truncate", () -> {
      // truncate(2) or O_TRUNC on a file open here: the handle must learn the new length, or
      // its next write would take the copy-on-write path for content that no longer exists
      FileHandle h = open.latest(path);
      writeBehind.await(path);
      try {
        if (h != null) {
          h.truncate(size);
        } else {
          fs.truncate(path, size);
        }
      } finally {
        attributes.invalidate(path);
      }
      return 0;
    });
  }

  @Override
  public int ftruncate(String path, long size, FuseFileInfo fi) {
    return call("ftruncate", () -> {
      try {
        handle(fi).truncate(size);
      } finally {
        attributes.invalidate(path);
      }
      return 0;
    });
  }

  /** fallocate(2)'s modes, from linux/falloc.h; the others (collapsing, inserting ranges) are not supported. */
  private static final int FALLOC_FL_KEEP_SIZE = 0x01;
  private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  private static final int FALLOC_FL_ZERO_RANGE = 0x10;

  /**
   * fallocate(2), posix_fallocate(3) at least: mode 0 grows the file to {@code offset + length}
   * when that is longer (the growth is a hole: the cluster reserves no space, as a thin-provisioned
   * disk does), KEEP_SIZE changes nothing; both first check that the cluster has room for the
   * range (ENOSPC). PUNCH_HOLE and ZERO_RANGE make the range zeros (blocks it covers whole become
   * holes when the file is written out). Collapsing or inserting ranges: EOPNOTSUPP.
   */
  @Override
  public int fallocate(String path, int mode, long offset, long length, FuseFileInfo fi) {
    return call("fallocate", () -> {
      if (offset < 0 || length <= 0) {
        return -ErrorCodes.EINVAL();
      }
      if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) || (mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_ZERO_RANGE) {
        FileHandle h = handle(fi);
        try {
          h.zero(offset, length, (mode & FALLOC_FL_KEEP_SIZE) != 0);
        } finally {
          attributes.invalidate(path);
        }
        return 0;
      }
      if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
        return -ErrorCodes.EOPNOTSUPP(); // collapsing or inserting ranges
      }
      long end = offset + length;
      FileTooLargeException.check(end < 0 ? Long.MAX_VALUE : end, path);
      if (fs.clusterStatus().getRemainingBytes() < length) {
        return -ErrorCodes.ENOSPC();
      }
      if ((mode & FALLOC_FL_KEEP_SIZE) == 0) {
        FileHandle h = handle(fi);
        try {
          h.growTo(end);
        } finally {
          attributes.invalidate(path);
        }
      }
      return 0;
    });
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return call("flush", () -> {
      writeOut(path, open.get(fi.fh.get()), FileHandle::flush);
      return 0;
    });
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return call("fsync", () -> {
      writeOut(path, open.get(fi.fh.get()), FileHandle::flush);
      writeBehind.awaitAndReport(path); // durable, or the failure reported
      return 0;
    });
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call("release", () -> {
      FileHandle h = open.remove(fi.fh.get(), path);
      try {
        writeOut(path, h, FileHandle::release);
      } finally {
        if (h != null) {
          locks.descriptionClosed(h, fi.lock_owner.get()); // after its writes: a locker then sees them
          holds.closed(fi.fh.get(), h.inodeId(), h.path()); // after them too: an unlinked file keeps them
        }
      }
      return 0;
    });
  }

  @Override
  public int lock(String path, FuseFileInfo fi, int cmd, Flock flock) {
    return call("lock", () -> interruptible(() -> locks.posix(handle(fi), cmd, flock, fi.lock_owner.get())));
  }

  @Override
  public int flock(String path, FuseFileInfo fi, int op) {
    return call("flock", () -> interruptible(() -> locks.flock(handle(fi), op, fi.lock_owner.get(),
        (int) getContext().pid.get())));
  }

  private interface LockCall {
    void run() throws IOException;
  }

  /** A lock wait that ended without the lock (its owner let go meanwhile) is EINTR, as a signal's would be. */
  private static int interruptible(LockCall c) throws IOException {
    try {
      c.run();
      return 0;
    } catch (java.io.InterruptedIOException e) {
      return -ErrorCodes.EINTR();
    }
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return call("utimens", () -> {
      FileTime mtime = time(timespec[1]);
      FileTime atime = time(timespec[0]);
      setAttributes(path, a -> a.withTimes(mtime, atime), () -> fs.setTimes(path, mtime, atime));
      return 0;
    });
  }

  @Override
  public int chmod(String path, long mode) {
    return call("chmod", () -> {
      int bits = (int) (mode & 07777);
      setAttributes(path, a -> a.withMode(bits), () -> fs.setPermission(path, bits));
      return 0;
    });
  }

  @Override
  public int chown(String path, long uid, long gid) {
    return call("chown", () -> {
      // -1 (all ones) means "leave unchanged"
      String owner = uid == 0xffffffffL || uid < 0 ? "" : Long.toString(uid);
      String group = gid == 0xffffffffL || gid < 0 ? "" : Long.toString(gid);
      setAttributes(path, a -> a.withOwner(owner, group), () -> fs.setOwner(path, owner, group));
      return 0;
    });
  }

  @Override
  public int statfs(String path, Statvfs stbuf) {
    return call("statfs", () -> {
      ClusterStatusResponse s = fs.clusterStatus();
      long block = 4096;
      stbuf.f_bsize.set(block);
      stbuf.f_frsize.set(block);
      stbuf.f_blocks.set(s.getCapacityBytes() / block);
      stbuf.f_bfree.set(s.getRemainingBytes() / block);
      stbuf.f_bavail.set(s.getRemainingBytes() / block);
      stbuf.f_files.set(s.getFiles() + s.getDirectories() + 1_000_000);
      stbuf.f_ffree.set(1_000_000);
      stbuf.f_favail.set(1_000_000);
      stbuf.f_namemax.set(255);
      return 0;
    });
  }

  @Override
  public int access(String path, int mask) {
    return call("access", () -> {
      status(path);
      return 0;
    });
  }

  private interface Change {
    FileStatus apply() throws Exception;
  }

  /** An open handle with content still to write takes the change with its completion; else it is applied now. */
  private void setAttributes(String path, UnaryOperator<AttributeUpdate> deferred, Change now) throws Exception {
    writeBehind.awaitRenamesIn(path); // a directory's: its times change when they are applied
    FileHandle h = open.latest(path);
    if ((h != null && h.deferAttributes(deferred)) || writeBehind.addAttributes(path, deferred)) {
      metrics.meter("fuse.attr_deferred").mark(); // with the file's completion, open or closed
      return;
    }
    writeBehind.await(path);
    if (h == null && changedWithoutWaiting(path, deferred.apply(AttributeUpdate.NONE))) {
      return;
    }
    FileStatus applied;
    try {
      applied = now.apply();
      attributes.changed(path, applied);
    } catch (Exception e) {
      attributes.invalidate(path);
      throw e;
    }
    for (FileHandle other : open.handlesUnder(path)) {
      if (other.path().equals(path)) {
        other.attributesApplied(applied);
      }
    }
  }

  /**
   * A directory's attribute change (tar sets each directory's owner, mode and times after its
   * content) goes without waiting when this mount holds the directory it is in: nobody else can
   * remove or rename it meanwhile, and the kernel checked the caller's permission (default_permissions)
   * against the attributes shown here. Shown at once; a failure is logged, counted
   * ({@code fuse.attr_background.errors}) and the attributes asked for again.
   */
  private boolean changedWithoutWaiting(String path, AttributeUpdate update) {
    // only from what is cached (the kernel's getattr before a setattr put it there): deciding must
    // never cost a round trip the ordinary path does not
    FileStatus current = attributes.get(path);
    if (current == null || current.getType() != FileType.DIRECTORY) {
      return false;
    }
    java.util.concurrent.CompletableFuture<?> sent = fs.setAttributesWithoutWaiting(path, update);
    if (sent == null) {
      return false;
    }
    metrics.meter("fuse.attr_background").mark();
    attributes.changed(path, update.appliedTo(current).toBuilder().setCtimeMs(System.currentTimeMillis()).build());
    sent.whenComplete((response, failure) -> {
      if (failure != null) {
        metrics.counter("fuse.attr_background.errors").inc();
        LOG.warn("{}: an attribute change sent without waiting failed: {}", path, failure.toString());
        attributes.invalidate(path);
      }
    });
    return true;
  }

  private interface HandleAction {
    void run(FileHandle h) throws IOException;
  }

  /** A handle's flush or release; the cache then holds the entry it wrote, or forgets the path on failure. */
  private void writeOut(String path, FileHandle h, HandleAction action) throws IOException {
    if (h == null) {
      return;
    }
    try {
      action.run(h);
    } catch (IOException | RuntimeException e) {
      attributes.invalidate(path);
      throw e;
    }
    FileStatus written = h.takeWritten();
    if (written != null && written.getPath().equals(path)) {
      attributes.changed(path, written);
      for (FileHandle other : open.othersOn(path, h)) {
        try {
          other.rewrittenElsewhere(written);
        } catch (IOException e) {
          // this descriptor's write succeeded; the other's stale copy is only left on disk
          LOG.warn("could not drop another descriptor's copy of {}", path, e);
        }
      }
    } else if (written != null) {
      attributes.invalidate(path); // renamed while open: the entry at this path is someone else's
    }
  }

  /** Deletes a file or an empty directory; the cache forgets it and its parent's changed times. */
  private void remove(String path) throws IOException {
    try {
      fs.delete(path, false);
    } catch (IOException e) {
      attributes.forgetListing(parentOf(path));
      throw e;
    } finally {
      attributes.invalidate(path);
      attributes.invalidate(parentOf(path));
      attributes.forgetListing(path);
    }
    attributes.nameRemoved(path);
  }

  /**
   * The file as this mount wrote it is in the cluster before another operation uses the path: a
   * descriptor still streaming it completes what it wrote (its close may not have reached the
   * mount yet: FUSE sends the last release after close(2) has returned), and a write-back of it
   * is waited for.
   */
  private void settle(String path) throws IOException {
    FileHandle writer = open.latest(path);
    if (writer != null) {
      writer.settle();
    }
    writeBehind.await(path);
  }

  /** {@link #settle} for the file's other names (hard links); true when anything was written out. */
  private boolean settleOtherNames(long inodeId, String path) throws IOException {
    boolean any = false;
    for (FileHandle h : open.otherNamesOf(inodeId, path)) {
      if (h.pendingStatus() != null) {
        h.settle();
        any = true;
      }
    }
    return writeBehind.awaitInode(inodeId) || any;
  }

  /**
   * The entry as a change made after {@link #settle} left it. The open handle's own record of the
   * completion predates the change: it must not overwrite this one when the handle closes.
   */
  private void changedSinceSettled(String path, FileStatus now) {
    FileHandle h = open.latest(path);
    if (h != null) {
      h.takeWritten();
    }
    attributes.changed(path, now);
  }

  private FileHandle handle(FuseFileInfo fi) {
    FileHandle h = open.get(fi.fh.get());
    if (h == null) {
      throw new IllegalStateException("unknown file handle " + fi.fh.get());
    }
    return h;
  }

  /** utimensat's time, to the nanosecond; null for UTIME_OMIT. */
  private static FileTime time(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return null;
    }
    if (nsec == UTIME_NOW) {
      return FileTime.from(java.time.Instant.now());
    }
    return FileTime.from(java.time.Instant.ofEpochSecond(t.tv_sec.get(), nsec));
  }

  private long uid() {
    return getContext().uid.get();
  }

  private static final int SETGID = 02000;
  private static final int S_IFDIR = 040000;
  /** Who owns entries whose owner is a name rather than a uid (written by the CLI, the gateway, an application). */
  static final com.sun.security.auth.module.UnixSystem MOUNTING_USER =
      new com.sun.security.auth.module.UnixSystem();

  /** The owner of a new entry, its group, and whether a new directory inherits the setgid bit. */
  private record Ownership(String owner, String group, boolean inheritSetgid) {}

  /**
   * As Linux does: the caller's uid; the directory's group when the directory is setgid (and a new
   * subdirectory is setgid too), else the caller's gid.
   */
  private Ownership ownershipOfNew(String path) throws Exception {
    FileStatus dir = status(parentOf(path));
    boolean setgid = (dir.getMode() & SETGID) != 0;
    String group = setgid ? Long.toString(Attributes.numeric(dir.getGroup(), MOUNTING_USER.getGid()))
        : Long.toString(gid());
    return new Ownership(Long.toString(uid()), group, setgid);
  }

  /** setxattr(2)'s flags, from linux/xattr.h. */
  private static final int XATTR_CREATE = 1;
  private static final int XATTR_REPLACE = 2;

  private long gid() {
    return getContext().gid.get();
  }

  /** Waits for every file handed to the write-behind (before unmounting). */
  void drain() throws InterruptedException {
    writeBehind.close();
    holds.close();
  }

  int openFiles() {
    return open.size();
  }
}
