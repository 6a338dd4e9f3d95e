package io.dfs.metadata.namespace;

import com.google.protobuf.ByteString;
import io.dfs.client.error.DfsException;
import io.dfs.metadata.namespace.image.DelegationRecord;
import io.dfs.proto.ErrorCode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Directories delegated to client sessions (DelegateRequest in namespace.proto), with the inode
 * ids each grant reserved for its holder's creates. Replicated state: part of the namespace and its
 * image, changed only by applied entries. Not thread-safe, like the namespace it belongs to.
 */
public final class Delegations {
  /** Inode ids one grant reserves: a holder that used them up asks again. */
  public static final int INODE_IDS_PER_GRANT = 1024;

  private static final class Delegation {
    final Inode dir;
    final String holder;
    final long firstId;
    final int count;
    final BitSet used;

    Delegation(Inode dir, String holder, long firstId, int count, BitSet used) {
      this.dir = dir;
      this.holder = holder;
      this.firstId = firstId;
      this.count = count;
      this.used = used;
    }
  }

  /** By directory inode id; sorted so equal tables give equal images. */
  private final Map<Long, Delegation> byDirectory = new TreeMap<>();

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

  /** Grants (or grants again, with fresh ids) {@code dir} to {@code holder}; the caller checked nobody else holds it. */
  void grant(Inode dir, String holder, long firstId, int count) {
    byDirectory.put(dir.id, new Delegation(dir, holder, firstId, count, new BitSet(count)));
  }

  /** Ends the holder's delegation of the directory; false when it held none. */
  boolean release(long dirId, String holder) {
    Delegation d = byDirectory.get(dirId);
    if (d == null || !d.holder.equals(holder)) {
      return false;
    }
    byDirectory.remove(dirId);
    return true;
  }

  /** A directory that is gone takes its delegation with it. */
  void directoryRemoved(long dirId) {
    byDirectory.remove(dirId);
  }

  /**
   * Checks the inode id {@code who} chose for a create in {@code dir}: the directory must still be
   * delegated to it, and the id one of the grant's that no earlier create took.
   */
  void checkChosenId(long dirId, String who, long id, String path) throws DfsException {
    Delegation d = byDirectory.get(dirId);
    if (d == null || !d.holder.equals(who)) {
      throw new DfsException(ErrorCode.DELEGATED, "the directory is no longer delegated to this client", path);
    }
    long i = id - d.firstId;
    if (i < 0 || i >= d.count || d.used.get((int) i)) {
      throw new DfsException(ErrorCode.INVALID_ARGUMENT, "inode id " + id + " is not one this client may use here",
          path);
    }
  }

  /** The create that chose {@code id} in {@code dir} was applied. */
  void idTaken(long dirId, long id) {
    Delegation d = byDirectory.get(dirId);
    d.used.set((int) (id - d.firstId));
  }

  // ------------------------------------------------------------------ image

  List<DelegationRecord> toRecords() {
    List<DelegationRecord> out = new ArrayList<>();
    byDirectory.forEach((dir, d) -> out.add(DelegationRecord.newBuilder().setDirId(dir).setHolder(d.holder)
        .setFirstInodeId(d.firstId).setInodeIdCount(d.count).setUsed(ByteString.copyFrom(d.used.toByteArray()))
        .build()));
    return out;
  }

  void restore(DelegationRecord r, Inode dir) {
    byDirectory.put(r.getDirId(), new Delegation(dir, r.getHolder(), r.getFirstInodeId(), r.getInodeIdCount(),
        BitSet.valueOf(r.getUsed().toByteArray())));
  }
}
