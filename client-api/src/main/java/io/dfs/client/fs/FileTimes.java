package io.dfs.client.fs;

import io.dfs.proto.FileStatus;
import io.dfs.proto.SetTimesRequest;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * File times to the nanosecond, as the wire carries them: epoch milliseconds and the nanoseconds
 * past that millisecond (FileStatus and SetTimesRequest's {@code *_ms} and {@code *_nanos}).
 */
public final class FileTimes {
  private FileTimes() {}

  public static FileTime mtimeOf(FileStatus s) {
    return of(s.getMtimeMs(), s.getMtimeNanos());
  }

  public static FileTime atimeOf(FileStatus s) {
    return of(s.getAtimeMs(), s.getAtimeNanos());
  }

  private static FileTime of(long ms, int nanos) {
    return FileTime.from(Instant.ofEpochMilli(ms).plusNanos(nanos));
  }

  /** Sets {@code entry}'s times to those given (null: leaves that one). */
  public static FileStatus.Builder set(FileStatus.Builder entry, FileTime mtime, FileTime atime) {
    if (mtime != null) {
      entry.setMtimeMs(mtime.toMillis()).setMtimeNanos(nanosPastMilli(mtime));
    }
    if (atime != null) {
      entry.setAtimeMs(atime.toMillis()).setAtimeNanos(nanosPastMilli(atime));
    }
    return entry;
  }

  /** The request that sets {@code path}'s times (null: leaves that one). */
  public static SetTimesRequest request(String path, FileTime mtime, FileTime atime) {
    SetTimesRequest.Builder b = SetTimesRequest.newBuilder().setPath(path).setMtimeMs(-1).setAtimeMs(-1);
    if (mtime != null) {
      b.setMtimeMs(mtime.toMillis()).setMtimeNanos(nanosPastMilli(mtime));
    }
    if (atime != null) {
      b.setAtimeMs(atime.toMillis()).setAtimeNanos(nanosPastMilli(atime));
    }
    return b.build();
  }

  private static int nanosPastMilli(FileTime t) {
    return t.toInstant().getNano() % 1_000_000;
  }
}
