package io.dfs.fuse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The mount's open file table: FUSE file handle numbers to handles, and which paths are being written. */
final class OpenFiles {
  private final Map<Long, FileHandle> byNumber = new ConcurrentHashMap<>();
  private final Map<String, FileHandle> writing = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(String path, FileHandle handle) {
    long fh = next.getAndIncrement();
    byNumber.put(fh, handle);
    writing.put(path, handle);
    return fh;
  }

  FileHandle get(long fh) {
    return byNumber.get(fh);
  }

  FileHandle remove(long fh, String path) {
    FileHandle h = byNumber.remove(fh);
    if (h != null) {
      writing.remove(path, h);
    }
    return h;
  }

  /** The handle most recently opened on the path, or null. */
  FileHandle latest(String path) {
    return writing.get(path);
  }

  int size() {
    return byNumber.size();
  }
}
