package io.dfs.fuse;

import java.util.List;
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
    // a handle with unwritten content stays the path's handle while others open it
    writing.merge(path, handle, (old, added) -> old.pendingStatus() != null ? old : added);
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

  /** The path's handle with unwritten content if there is one, else the one opened last; or null. */
  FileHandle latest(String path) {
    return writing.get(path);
  }

  /**
   * A rename through this mount: the handles of the entry, or of anything under the directory,
   * name it by its new path from now on, so their writes and rewrites land on the file they
   * opened (a log renamed under the process writing it keeps taking its lines).
   */
  void renamed(String from, String to) {
    for (FileHandle h : byNumber.values()) {
      String p = h.path();
      if (under(p, from)) {
        h.movedTo(to + p.substring(from.length()));
      }
    }
    for (Map.Entry<String, FileHandle> e : List.copyOf(writing.entrySet())) {
      if (under(e.getKey(), from) && writing.remove(e.getKey(), e.getValue())) {
        writing.put(to + e.getKey().substring(from.length()), e.getValue());
      }
    }
  }

  /** The handles of the entry at {@code top} and of everything under it. */
  List<FileHandle> handlesUnder(String top) {
    return byNumber.values().stream().filter(h -> under(h.path(), top)).toList();
  }

  private static boolean under(String path, String top) {
    return path.equals(top) || path.startsWith(top.endsWith("/") ? top : top + "/");
  }

  /** The handles open on the file with {@code inodeId} under another name than {@code path} (hard links). */
  List<FileHandle> otherNamesOf(long inodeId, String path) {
    return byNumber.values().stream().filter(h -> h.inodeId() == inodeId && !h.path().equals(path)).toList();
  }

  /** The other handles open on {@code path}. */
  List<FileHandle> othersOn(String path, FileHandle self) {
    return byNumber.values().stream().filter(h -> h != self && h.path().equals(path)).toList();
  }

  int size() {
    return byNumber.size();
  }
}
