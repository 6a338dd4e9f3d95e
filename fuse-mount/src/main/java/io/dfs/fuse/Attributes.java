package io.dfs.fuse;

import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Timespec;

/** Fills a stat structure from a namespace entry. */
final class Attributes {
  private Attributes() {}

  /**
   * Owners are names in the namespace; a numeric name is shown as that uid, anything else as the
   * mounting user, so files written through the mount are the user's own.
   */
  static void fill(FileStat stat, FileStatus s, long defaultUid, long defaultGid) {
    boolean dir = s.getType() == FileType.DIRECTORY;
    int type = switch (s.getType()) {
      case DIRECTORY -> FileStat.S_IFDIR;
      case SYMLINK -> FileStat.S_IFLNK;
      case FIFO -> FileStat.S_IFIFO;
      case SOCKET -> FileStat.S_IFSOCK;
      case CHARACTER_DEVICE -> FileStat.S_IFCHR;
      case BLOCK_DEVICE -> FileStat.S_IFBLK;
      default -> FileStat.S_IFREG;
    };
    stat.st_rdev.set(s.getRdev());
    stat.st_mode.set(type | (s.getMode() & 07777));
    stat.st_nlink.set(dir ? 2 : Math.max(1, s.getNlink()));
    long size = s.getLength();
    stat.st_size.set(dir ? 4096 : size);
    stat.st_blocks.set((size - s.getHoleBytes() + 511) / 512); // what du counts: holes take no space
    stat.st_blksize.set(1 << 20);
    stat.st_ino.set(s.getInodeId());
    stat.st_uid.set(numeric(s.getOwner(), defaultUid));
    stat.st_gid.set(numeric(s.getGroup(), defaultGid));
    time(stat.st_mtim, s.getMtimeMs(), s.getMtimeNanos());
    time(stat.st_atim, s.getAtimeMs(), s.getAtimeNanos());
    time(stat.st_ctim, s.getCtimeMs(), 0);
  }

  static long numeric(String name, long fallback) {
    try {
      return Long.parseLong(name);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static void time(Timespec t, long ms, int nanosPastMs) {
    t.tv_sec.set(Math.floorDiv(ms, 1000));
    t.tv_nsec.set(Math.floorMod(ms, 1000) * 1_000_000L + nanosPastMs);
  }
}
