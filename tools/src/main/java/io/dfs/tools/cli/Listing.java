package io.dfs.tools.cli;

import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How the CLI prints file status lines. */
final class Listing {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
      .withZone(ZoneId.systemDefault());

  private Listing() {}

  static String longLine(FileStatus s) {
    boolean file = s.getType() == FileType.REGULAR_FILE;
    String type = switch (s.getType()) {
      case DIRECTORY -> "d";
      case SYMLINK -> "l";
      case FIFO -> "p";
      case SOCKET -> "s";
      case CHARACTER_DEVICE -> "c";
      case BLOCK_DEVICE -> "b";
      default -> "-";
    };
    return String.format("%s%s %3s %-8s %-8s %12d %s %s%s", type, permissions(s.getMode()),
        file ? Integer.toString(s.getReplication()) : "-", s.getOwner(), s.getGroup(), s.getLength(),
        TIME.format(Instant.ofEpochMilli(s.getMtimeMs())), s.getPath(),
        s.getType() == FileType.SYMLINK ? " -> " + s.getSymlinkTarget() : "");
  }

  static String permissions(int mode) {
    StringBuilder b = new StringBuilder();
    String rwx = "rwx";
    for (int i = 8; i >= 0; i--) {
      b.append((mode & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
    }
    return b.toString();
  }

  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format("%.1f %s", v, units[u]);
  }
}
