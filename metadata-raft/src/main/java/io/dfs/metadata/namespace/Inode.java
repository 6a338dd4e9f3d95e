package io.dfs.metadata.namespace;

import io.dfs.client.block.Holes;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.FileType;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One file or directory. Mutable, owned by {@link Namespace} and only changed while applying a
 * Raft log entry, so no locking of its own.
 */
public final class Inode {
  /** A name of an entry: a directory and the name it is listed under there. */
  record Name(Inode dir, String name) {}

  final long id;
  final FileType type;
  // The entry's first name (its path, the one a directory is known by); a file or symbolic link
  // with hard links is also listed under otherNames, and the first of those takes over when this
  // one is removed.
  Inode parent;
  String name;
  List<Name> otherNames; // null while the entry has one name
  long mtimeMs;
  long atimeMs;
  // Nanoseconds past mtimeMs's and atimeMs's millisecond as utimensat set them. They count only
  // while the time is still the millisecond they came with: every other change of a time (the
  // namespace's own, in whole milliseconds, at many places) leaves them behind without a word.
  private int mtimeNanos;
  private long mtimeNanosOf = -1;
  private int atimeNanos;
  private long atimeNanosOf = -1;
  long ctimeMs;
  int mode;
  String owner;
  String group;

  // files
  int replication;
  long blockSize;
  final List<BlockInfo> blocks;
  String writer; // client id holding the file open; null once complete
  long unlinkedMs; // when the file lost its last name (see Namespace#reap); 0 while named

  // symlinks
  String symlinkTarget;

  // character and block devices
  long rdev;

  // extended attributes by name (sorted: every peer writes them in the same order); null while none
  java.util.TreeMap<String, com.google.protobuf.ByteString> xattrs;

  // directories: sorted by name, which is also the paging order of list
  final NavigableMap<String, Inode> children;

  Inode(long id, FileType type, String name, long timeMs, int mode, String owner, String group) {
    this.id = id;
    this.type = type;
    this.name = name;
    this.mtimeMs = timeMs;
    this.atimeMs = timeMs;
    this.ctimeMs = timeMs;
    this.mode = mode;
    this.owner = owner;
    this.group = group;
    this.blocks = type == FileType.REGULAR_FILE ? new ArrayList<>() : List.of();
    this.children = type == FileType.DIRECTORY ? new TreeMap<>() : null;
  }

  public long id() {
    return id;
  }

  public boolean isDirectory() {
    return type == FileType.DIRECTORY;
  }

  /** A FIFO, socket or device: an entry with no content of its own here. */
  boolean isSpecial() {
    return isSpecial(type);
  }

  static boolean isSpecial(FileType type) {
    return type == FileType.FIFO || type == FileType.SOCKET || type == FileType.CHARACTER_DEVICE
        || type == FileType.BLOCK_DEVICE;
  }

  public long length() {
    long n = 0;
    for (BlockInfo b : blocks) {
      n += b.getLength();
    }
    return n;
  }

  /** Of {@link #length()}, the bytes in holes. */
  public long holeBytes() {
    long n = 0;
    for (BlockInfo b : blocks) {
      if (Holes.isHole(b)) {
        n += b.getLength();
      }
    }
    return n;
  }

  public List<BlockInfo> blocks() {
    return blocks;
  }

  public boolean underConstruction() {
    return writer != null;
  }

  /** The client holding the file open for writing, or null. */
  public String writer() {
    return writer;
  }

  public int replication() {
    return replication;
  }

  /** How many names a file or symbolic link has (directories: 1). */
  void setMtime(long ms, int nanos) {
    mtimeMs = ms;
    mtimeNanos = nanos;
    mtimeNanosOf = ms;
  }

  void setAtime(long ms, int nanos) {
    atimeMs = ms;
    atimeNanos = nanos;
    atimeNanosOf = ms;
  }

  int mtimeNanos() {
    return mtimeMs == mtimeNanosOf ? mtimeNanos : 0;
  }

  int atimeNanos() {
    return atimeMs == atimeNanosOf ? atimeNanos : 0;
  }

  int nameCount() {
    return otherNames == null ? 1 : 1 + otherNames.size();
  }

  boolean isFirstName(Inode dir, String entryName) {
    return parent == dir && name.equals(entryName);
  }

  public String path() {
    if (parent == null) {
      return "/";
    }
    StringBuilder sb = new StringBuilder();
    for (Inode i = this; i.parent != null; i = i.parent) {
      sb.insert(0, i.name).insert(0, '/');
    }
    return sb.toString();
  }

  boolean isAncestorOf(Inode other) {
    for (Inode i = other; i != null; i = i.parent) {
      if (i == this) {
        return true;
      }
    }
    return false;
  }
}
