package io.dfs.metadata.namespace;

import io.dfs.client.error.LockConflictException;
import io.dfs.proto.FileLock;
import io.dfs.proto.LockKind;
import io.dfs.proto.LockType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Advisory locks held on files, cluster-wide: part of the replicated namespace, so every peer
 * decides a lock alike and a new leader knows every lock the old one granted. Keyed by inode id, so
 * a lock stays with its file through renames and while the file is open but unlinked. Semantics
 * are Linux's: POSIX locks are per owner and byte range (a new lock replaces the owner's locks in
 * its range, splitting them; adjacent ranges of one type merge), flocks are per owner and whole
 * file, the two kinds never conflict, and a shared lock conflicts only with an exclusive one.
 */
public final class FileLocks {
  /** Each file's locks in a fixed order, so the image is the same on every peer. */
  private final TreeMap<Long, List<FileLock>> byInode = new TreeMap<>();

  private static final Comparator<FileLock> ORDER = Comparator.comparing(FileLock::getSession)
      .thenComparingLong(FileLock::getOwner).thenComparing(FileLock::getKind).thenComparingLong(FileLock::getStart);

  /** A lock as asked for, with an end of 0 (to the end of the file) and a flock's range made explicit. */
  public static FileLock normalized(FileLock wanted) {
    FileLock.Builder b = wanted.toBuilder();
    if (wanted.getKind() != LockKind.POSIX_LOCK) {
      b.setStart(0).setEnd(Long.MAX_VALUE);
    } else if (wanted.getEnd() == 0) {
      b.setEnd(Long.MAX_VALUE);
    }
    return b.build();
  }

  /** The first lock of another owner that {@code wanted} (normalized, not an unlock) conflicts with, or null. */
  public FileLock conflict(FileLock wanted) {
    for (FileLock held : byInode.getOrDefault(wanted.getInodeId(), List.of())) {
      if (!sameOwner(held, wanted) && held.getKind() == wanted.getKind() && overlap(held, wanted)
          && (held.getType() == LockType.EXCLUSIVE || wanted.getType() == LockType.EXCLUSIVE)) {
        return held;
      }
    }
    return null;
  }

  /**
   * Takes, changes or (type UNLOCK) drops {@code wanted}'s range for its owner; refused, changing
   * nothing, when another owner's lock is in the way.
   */
  public void apply(FileLock wanted, String path) throws LockConflictException {
    if (wanted.getType() != LockType.UNLOCK) {
      FileLock in = conflict(wanted);
      if (in != null) {
        throw new LockConflictException("locked by another owner (" + describe(in) + ")", path);
      }
    }
    List<FileLock> kept = new ArrayList<>();
    List<FileLock> mine = new ArrayList<>();
    for (FileLock held : byInode.getOrDefault(wanted.getInodeId(), List.of())) {
      if (!sameOwner(held, wanted)) {
        kept.add(held);
      } else if (wanted.getKind() == LockKind.POSIX_LOCK) {
        // what of the owner's lock lies outside the new range stays as it was
        if (held.getStart() < wanted.getStart()) {
          mine.add(held.toBuilder().setEnd(Math.min(held.getEnd(), wanted.getStart())).build());
        }
        if (held.getEnd() > wanted.getEnd()) {
          mine.add(held.toBuilder().setStart(Math.max(held.getStart(), wanted.getEnd())).build());
        }
      } // a flock is replaced as a whole
    }
    if (wanted.getType() != LockType.UNLOCK) {
      mine.add(wanted);
    }
    kept.addAll(merged(mine));
    if (kept.isEmpty()) {
      byInode.remove(wanted.getInodeId());
    } else {
      kept.sort(ORDER);
      byInode.put(wanted.getInodeId(), kept);
    }
  }

  /** Drops every lock of {@code session}; returns the files that had any. */
  public Set<Long> releaseSession(String session) {
    Set<Long> touched = new TreeSet<>();
    byInode.entrySet().removeIf(e -> {
      if (e.getValue().removeIf(l -> l.getSession().equals(session))) {
        touched.add(e.getKey());
      }
      return e.getValue().isEmpty();
    });
    return touched;
  }

  /** Whether some session holds the file open (a lock of kind OPEN). */
  public boolean isOpen(long inodeId) {
    return byInode.getOrDefault(inodeId, List.of()).stream().anyMatch(l -> l.getKind() == LockKind.OPEN);
  }

  /** Drops every lock on a file that is gone for good. */
  public void releaseFile(long inodeId) {
    byInode.remove(inodeId);
  }

  /** How many locks are held. */
  public int count() {
    return byInode.values().stream().mapToInt(List::size).sum();
  }

  /** Sessions holding at least one lock. */
  public Set<String> holders() {
    Set<String> out = new TreeSet<>();
    byInode.values().forEach(locks -> locks.forEach(l -> out.add(l.getSession())));
    return out;
  }

  /** Every lock, for the image: by file, then in {@link #ORDER}. */
  public List<FileLock> records() {
    List<FileLock> out = new ArrayList<>();
    byInode.values().forEach(out::addAll);
    return out;
  }

  /** A lock read back from an image. */
  public void restore(FileLock lock) {
    List<FileLock> locks = byInode.computeIfAbsent(lock.getInodeId(), id -> new ArrayList<>());
    locks.add(lock);
    locks.sort(ORDER);
  }

  /** The owner's locks of one type and kind with touching or overlapping ranges joined, as Linux keeps them. */
  private static List<FileLock> merged(List<FileLock> mine) {
    mine.sort(Comparator.comparing(FileLock::getType).thenComparingLong(FileLock::getStart));
    List<FileLock> out = new ArrayList<>();
    for (FileLock l : mine) {
      FileLock last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.getKind() == LockKind.POSIX_LOCK && last.getType() == l.getType()
          && l.getStart() <= last.getEnd()) {
        out.set(out.size() - 1, last.toBuilder().setEnd(Math.max(last.getEnd(), l.getEnd())).setPid(l.getPid()).build());
      } else {
        out.add(l);
      }
    }
    return out;
  }

  private static boolean sameOwner(FileLock a, FileLock b) {
    return a.getOwner() == b.getOwner() && a.getKind() == b.getKind() && a.getSession().equals(b.getSession());
  }

  private static boolean overlap(FileLock a, FileLock b) {
    return a.getStart() < b.getEnd() && b.getStart() < a.getEnd();
  }

  private static String describe(FileLock l) {
    return l.getType().name().toLowerCase() + " " + (l.getKind() == LockKind.FLOCK ? "flock" : "lock of bytes "
        + l.getStart() + ".." + (l.getEnd() == Long.MAX_VALUE ? "end" : Long.toString(l.getEnd())))
        + " held by process " + l.getPid() + " of " + l.getSession();
  }
}
