package io.dfs.metadata.namespace;

import com.google.protobuf.ByteString;
import io.dfs.client.error.DfsException;
import io.dfs.metadata.namespace.image.DelegationRecord;
import io.dfs.metadata.namespace.image.InodeIdRangeRecord;
import io.dfs.proto.ErrorCode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Directories delegated to client sessions (DelegateRequest in namespace.proto), and the inode ids
 * reserved for each session's creates in the directories it holds. A session's ids serve every
 * directory it holds (a directory it makes without waiting takes one of them, and its creates
 * there take more), and go when it holds no directory any more. Replicated state: part of the
 * namespace and its image, changed only by applied entries. Not thread-safe, like the namespace it
 * belongs to.
 */
public final class Delegations {
  /** Inode ids one grant reserves: a holder running short asks for more. */
  public static final int INODE_IDS_PER_GRANT = 1024;

  private record Delegation(Inode dir, String holder) {}

  /** Inode ids [first, first + count) reserved for a session; {@code used} marks the ones taken. */
  private static final class IdRange {
    final long first;
    final int count;
    final BitSet used;

    IdRange(long first, int count, BitSet used) {
      this.first = first;
      this.count = count;
      this.used = used;
    }

    boolean contains(long id) {
      return id >= first && id - first < count;
    }
  }

  /** By directory inode id; sorted so equal tables give equal images. */
  private final Map<Long, Delegation> byDirectory = new TreeMap<>();
  /** By session, oldest range first; sorted so equal tables give equal images. */
  private final Map<String, List<IdRange>> idsBySession = new TreeMap<>();

  /** The session holding the directory, or null. */
  public String holder(long dirId) {
    Delegation d = byDirectory.get(dirId);
    return d == null ? null : d.holder;
  }

  /** Delegations in force, for metrics and tests. */
  public int size() {
    return byDirectory.size();
  }

  /** Directories delegated to {@code session}. */
  public List<Long> heldBy(String session) {
    List<Long> out = new ArrayList<>();
    byDirectory.forEach((dir, d) -> {
      if (d.holder.equals(session)) {
        out.add(dir);
      }
    });
    return out;
  }

  /** Every delegated directory with its holder. */
  public Map<Long, String> holders() {
    Map<Long, String> out = new TreeMap<>();
    byDirectory.forEach((dir, d) -> out.put(dir, d.holder));
    return out;
  }

  /**
   * Refuses {@code who} the removal of {@code subtree} while a directory in it is delegated to
   * another session (its holder's creates there would fail).
   */
  public void checkSubtree(Inode subtree, String who, String path) throws DfsException {
    for (Delegation d : byDirectory.values()) {
      if (d.holder.equals(who)) {
        continue;
      }
      for (Inode i = d.dir; i != null; i = i.parent) {
        if (i == subtree) {
          throw new DfsException(ErrorCode.DELEGATED, "a directory under it is delegated to another client", path);
        }
      }
    }
  }

  /**
   * Refuses {@code who} a change of the names in {@code dir} while another session holds it.
   * {@code path} names the directory in the error, for the recall.
   */
  public void checkNames(long dirId, String who, String path) throws DfsException {
    Delegation d = byDirectory.get(dirId);
    if (d != null && !d.holder.equals(who)) {
      throw new DfsException(ErrorCode.DELEGATED, "the directory is delegated to another client", path);
    }
  }

  /** Grants (or grants again) {@code dir} to {@code holder}; the caller checked nobody else holds it. */
  void grant(Inode dir, String holder) {
    byDirectory.put(dir.id, new Delegation(dir, holder));
  }

  /** Reserves inode ids [first, first + count) for {@code holder}'s creates. */
  void reserve(String holder, long first, int count) {
    idsBySession.computeIfAbsent(holder, h -> new ArrayList<>()).add(new IdRange(first, count, new BitSet()));
  }

  /** Whether {@code session} holds a directory (its ids are only reserved while it does). */
  boolean holdsAny(String session) {
    return byDirectory.values().stream().anyMatch(d -> d.holder.equals(session));
  }

  /** Ends the holder's delegation of the directory; false when it held none. */
  boolean release(long dirId, String holder) {
    Delegation d = byDirectory.get(dirId);
    if (d == null || !d.holder.equals(holder)) {
      return false;
    }
    byDirectory.remove(dirId);
    dropIdsIfIdle(holder);
    return true;
  }

  /** A directory that is gone takes its delegation with it. */
  void directoryRemoved(long dirId) {
    Delegation d = byDirectory.remove(dirId);
    if (d != null) {
      dropIdsIfIdle(d.holder);
    }
  }

  private void dropIdsIfIdle(String session) {
    if (!holdsAny(session)) {
      idsBySession.remove(session);
    }
  }

  /** The first id of each range still reserved for {@code session}, oldest first. */
  public List<Long> idRanges(String session) {
    return idsBySession.getOrDefault(session, List.of()).stream().map(r -> r.first).toList();
  }

  /**
   * Checks the inode id {@code who} chose for an entry it makes in {@code dir}: the directory must
   * still be delegated to it, and the id one reserved for it that no earlier entry took.
   */
  void checkChosenId(long dirId, String who, long id, String path) throws DfsException {
    Delegation d = byDirectory.get(dirId);
    if (d == null || !d.holder.equals(who)) {
      throw new DfsException(ErrorCode.DELEGATED, "the directory is no longer delegated to this client", path);
    }
    IdRange r = rangeOf(who, id);
    if (r == null || r.used.get((int) (id - r.first))) {
      throw new DfsException(ErrorCode.INVALID_ARGUMENT, "inode id " + id + " is not one this client may use",
          path);
    }
  }

  /** The entry that chose {@code id} was made; a range whose ids are all taken is dropped. */
  void idTaken(String who, long id) {
    IdRange r = rangeOf(who, id);
    r.used.set((int) (id - r.first));
    if (r.used.cardinality() == r.count) {
      idsBySession.get(who).remove(r);
    }
  }

  private IdRange rangeOf(String session, long id) {
    for (IdRange r : idsBySession.getOrDefault(session, List.of())) {
      if (r.contains(id)) {
        return r;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ image

  List<DelegationRecord> toRecords() {
    List<DelegationRecord> out = new ArrayList<>();
    byDirectory.forEach((dir, d) -> out.add(DelegationRecord.newBuilder().setDirId(dir).setHolder(d.holder).build()));
    return out;
  }

  List<InodeIdRangeRecord> idRangeRecords() {
    List<InodeIdRangeRecord> out = new ArrayList<>();
    idsBySession.forEach((session, ranges) -> ranges.forEach(r -> out.add(InodeIdRangeRecord.newBuilder()
        .setHolder(session).setFirstInodeId(r.first).setInodeIdCount(r.count)
        .setUsed(ByteString.copyFrom(r.used.toByteArray())).build())));
    return out;
  }

  /** A delegation from an image; one from a version 4 image brings the ids its grant reserved. */
  void restore(DelegationRecord r, Inode dir) {
    byDirectory.put(r.getDirId(), new Delegation(dir, r.getHolder()));
    if (r.getInodeIdCount() > 0) {
      restore(InodeIdRangeRecord.newBuilder().setHolder(r.getHolder()).setFirstInodeId(r.getFirstInodeId())
          .setInodeIdCount(r.getInodeIdCount()).setUsed(r.getUsed()).build());
    }
  }

  void restore(InodeIdRangeRecord r) {
    idsBySession.computeIfAbsent(r.getHolder(), h -> new ArrayList<>()).add(new IdRange(r.getFirstInodeId(),
        r.getInodeIdCount(), BitSet.valueOf(r.getUsed().toByteArray())));
  }
}
