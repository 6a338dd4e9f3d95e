package io.dfs.fuse;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.DfsOutputStream;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.ListResponse;
import java.nio.file.Path;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The file system as the kernel sees it. Each callback maps to the client and turns a failure
 * into its errno; file data goes through {@link FileHandle}. Permissions are recorded, not
 * enforced: the mount serves its user (see docs/fuse.md).
 */
public final class DfsFuse extends FuseStubFS {
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;

  private final DfsFileSystem fs;
  private final Path spillDir;
  private final OpenFiles open = new OpenFiles();
  private final MetricRegistry metrics;

  public DfsFuse(DfsFileSystem fs, Path spillDir, MetricRegistry metrics) {
    this.fs = fs;
    this.spillDir = spillDir;
    this.metrics = metrics;
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
      return Errno.of(e);
    }
  }

  @Override
  public int getattr(String path, FileStat stat) {
    return call("getattr", () -> {
      Attributes.fill(stat, fs.stat(path), open.pendingSize(path), uid(), gid());
      return 0;
    });
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return getattr(path, stat);
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
    return call("readdir", () -> {
      filter.apply(buf, ".", null, 0);
      filter.apply(buf, "..", null, 0);
      String after = "";
      ListResponse page;
      do {
        page = fs.listPage(path, after, 0);
        for (FileStatus e : page.getEntriesList()) {
          after = e.getPath().substring(e.getPath().lastIndexOf('/') + 1);
          filter.apply(buf, after, null, 0);
        }
      } while (page.getHasMore());
      return 0;
    });
  }

  @Override
  public int mkdir(String path, long mode) {
    return call("mkdir", () -> {
      fs.mkdir(path, (int) (mode & 07777));
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return call("rmdir", () -> {
      if (fs.stat(path).getType() != FileType.DIRECTORY) {
        return -ErrorCodes.ENOTDIR();
      }
      fs.delete(path, false);
      return 0;
    });
  }

  @Override
  public int unlink(String path) {
    return call("unlink", () -> {
      if (fs.stat(path).getType() == FileType.DIRECTORY) {
        return -ErrorCodes.EISDIR();
      }
      fs.delete(path, false);
      return 0;
    });
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return call("rename", () -> {
      fs.rename(oldpath, newpath, true);
      return 0;
    });
  }

  @Override
  public int create(String path, long mode, FuseFileInfo fi) {
    return call("create", () -> {
      DfsOutputStream out = fs.create(path, CreateOptions.defaults().withMode((int) (mode & 07777)));
      fi.fh.set(open.add(path, FileHandle.streaming(fs, path, spillDir, out.created(), out)));
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return call("open", () -> {
      FileStatus st = fs.stat(path);
      if (st.getType() == FileType.DIRECTORY) {
        return -ErrorCodes.EISDIR();
      }
      fi.fh.set(open.add(path, new FileHandle(fs, path, spillDir, st)));
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
      fs.truncate(path, size);
      return 0;
    });
  }

  @Override
  public int ftruncate(String path, long size, FuseFileInfo fi) {
    return call("ftruncate", () -> {
      handle(fi).truncate(size);
      return 0;
    });
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return call("flush", () -> {
      FileHandle h = open.get(fi.fh.get());
      if (h != null) {
        h.flush();
      }
      return 0;
    });
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return flush(path, fi);
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return call("release", () -> {
      FileHandle h = open.remove(fi.fh.get(), path);
      if (h != null) {
        h.release();
      }
      return 0;
    });
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return call("utimens", () -> {
      fs.setTimes(path, millis(timespec[1]), millis(timespec[0]));
      return 0;
    });
  }

  @Override
  public int chmod(String path, long mode) {
    return call("chmod", () -> {
      fs.setPermission(path, (int) (mode & 07777));
      return 0;
    });
  }

  @Override
  public int chown(String path, long uid, long gid) {
    return call("chown", () -> {
      // -1 (all ones) means "leave unchanged"
      fs.setOwner(path, uid == 0xffffffffL || uid < 0 ? "" : Long.toString(uid),
          gid == 0xffffffffL || gid < 0 ? "" : Long.toString(gid));
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
      if (!fs.exists(path)) {
        throw new PathNotFoundException("no such file or directory", path);
      }
      return 0;
    });
  }

  private FileHandle handle(FuseFileInfo fi) {
    FileHandle h = open.get(fi.fh.get());
    if (h == null) {
      throw new IllegalStateException("unknown file handle " + fi.fh.get());
    }
    return h;
  }

  private static long millis(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return -1;
    }
    if (nsec == UTIME_NOW) {
      return System.currentTimeMillis();
    }
    return t.tv_sec.get() * 1000 + nsec / 1_000_000;
  }

  private long uid() {
    return getContext().uid.get();
  }

  private long gid() {
    return getContext().gid.get();
  }

  int openFiles() {
    return open.size();
  }
}
