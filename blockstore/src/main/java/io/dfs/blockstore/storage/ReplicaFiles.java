package io.dfs.blockstore.storage;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How replicas are named on disk: {@code blk_<id>_<generation stamp>} plus {@code .meta}. */
final class ReplicaFiles {
  static final String FINALIZED = "finalized";
  static final String TMP = "tmp";
  /** Emptied files kept for reuse (see RecycledFiles). */
  static final String RECYCLE = "recycle";
  private static final Pattern DATA = Pattern.compile("blk_(\\d+)_(\\d+)");

  private ReplicaFiles() {}

  static String dataName(long blockId, long generationStamp) {
    return "blk_" + blockId + "_" + generationStamp;
  }

  static String metaName(long blockId, long generationStamp) {
    return dataName(blockId, generationStamp) + ".meta";
  }

  /** [blockId, generationStamp] of a data file name, or null for anything else. */
  static long[] parse(Path file) {
    Matcher m = DATA.matcher(file.getFileName().toString());
    return m.matches() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))} : null;
  }
}
