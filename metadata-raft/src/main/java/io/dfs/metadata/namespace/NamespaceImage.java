package io.dfs.metadata.namespace;

import io.dfs.metadata.namespace.image.DelegationRecord;
import io.dfs.metadata.namespace.image.InodeIdRangeRecord;
import io.dfs.metadata.namespace.image.ImageHeader;
import io.dfs.metadata.namespace.image.InodeRecord;
import io.dfs.metadata.namespace.image.LinkRecord;
import io.dfs.metadata.namespace.image.SessionRecord;
import io.dfs.proto.FileLock;
import io.dfs.proto.FileType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/** Writes and reads the whole namespace as a compact, checksummed image (see image.proto). */
public final class NamespaceImage {
  /**
   * 2 added the client sessions (a version 1 image has none); 3 the hard links, 4 the directory
   * delegations (earlier ones have none), 5 the inode ids reserved for sessions (version 4 kept
   * them with each delegation), 6 the advisory locks, 7 the unlinked files still held open.
   */
  private static final int VERSION = 7;

  private NamespaceImage() {}

  public static void write(Namespace ns, OutputStream target) throws IOException {
    CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(target, 1 << 16), new CRC32C());
    long[] counts = ns.counts();
    List<SessionRecord> sessions = ns.sessions().toRecords();
    List<DelegationRecord> delegations = ns.delegations().toRecords();
    List<InodeIdRangeRecord> idRanges = ns.delegations().idRangeRecords();
    List<FileLock> locks = ns.locks().records();
    ImageHeader.newBuilder()
        .setVersion(VERSION)
        .setNextInodeId(ns.nextInodeId())
        .setNextBlockId(ns.nextBlockId())
        .setNextGenerationStamp(ns.nextGenerationStamp())
        .setInodeCount(counts[0] + counts[1] - 1)
        .setSessionCount(sessions.size())
        .setSessionsSweptMs(ns.sessions().lastSweepMs())
        .setLinkCount(counts[3])
        .setDelegationCount(delegations.size())
        .setIdRangeCount(idRanges.size())
        .setLockCount(locks.size())
        .setUnlinkedCount(ns.unlinkedFiles().size())
        .build().writeDelimitedTo(checked);
    // each entry under its first name; its further names (in the order it took them) after the sessions
    List<LinkRecord> links = new ArrayList<>();
    Deque<Inode> todo = new ArrayDeque<>(List.of(ns.root()));
    while (!todo.isEmpty()) {
      Inode dir = todo.pollFirst();
      for (var e : dir.children.entrySet()) {
        Inode i = e.getValue();
        if (i.isFirstName(dir, e.getKey())) {
          toRecord(i).writeDelimitedTo(checked);
          if (i.isDirectory()) {
            todo.addLast(i);
          } else if (i.otherNames != null) {
            i.otherNames.forEach(n -> links.add(LinkRecord.newBuilder().setInodeId(i.id).setDirId(n.dir().id)
                .setName(n.name()).build()));
          }
        }
      }
    }
    for (SessionRecord r : sessions) {
      r.writeDelimitedTo(checked);
    }
    for (LinkRecord r : links) {
      r.writeDelimitedTo(checked);
    }
    for (DelegationRecord r : delegations) {
      r.writeDelimitedTo(checked);
    }
    for (InodeIdRangeRecord r : idRanges) {
      r.writeDelimitedTo(checked);
    }
    for (FileLock r : locks) {
      r.writeDelimitedTo(checked);
    }
    for (Inode i : ns.unlinkedFiles()) {
      toRecord(i).toBuilder().setParentId(0).setUnlinkedMs(i.unlinkedMs).build().writeDelimitedTo(checked);
    }
    DataOutputStream trailer = new DataOutputStream(checked);
    trailer.writeLong(checked.getChecksum().getValue());
    trailer.flush();
  }

  public static Namespace read(InputStream source) throws IOException {
    CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(source, 1 << 16), new CRC32C());
    ImageHeader header = ImageHeader.parseDelimitedFrom(checked);
    if (header == null || header.getVersion() < 1 || header.getVersion() > VERSION) {
      throw new IOException("not a namespace image of version 1 to " + VERSION);
    }
    Namespace ns = new Namespace();
    Map<Long, Inode> byId = new HashMap<>();
    byId.put(ns.root().id, ns.root());
    for (long n = 0; n < header.getInodeCount(); n++) {
      InodeRecord r = InodeRecord.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getInodeCount() + " inodes");
      }
      Inode parent = byId.get(r.getParentId());
      if (parent == null) {
        throw new IOException("namespace image lists inode " + r.getId() + " before its parent " + r.getParentId());
      }
      Inode inode = fromRecord(r);
      ns.restore(parent, inode);
      byId.put(inode.id, inode);
    }
    List<SessionRecord> sessions = new java.util.ArrayList<>();
    for (long n = 0; n < header.getSessionCount(); n++) {
      SessionRecord r = SessionRecord.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getSessionCount() + " sessions");
      }
      sessions.add(r);
    }
    ns.sessions().restore(sessions, header.getSessionsSweptMs());
    for (long n = 0; n < header.getLinkCount(); n++) {
      LinkRecord r = LinkRecord.parseDelimitedFrom(checked);
      Inode inode = r == null ? null : byId.get(r.getInodeId());
      Inode dir = r == null ? null : byId.get(r.getDirId());
      if (inode == null || dir == null || !dir.isDirectory()) {
        throw new IOException("namespace image link " + n + " of " + header.getLinkCount() + " is missing or names"
            + " no entry or directory");
      }
      ns.restoreName(dir, r.getName(), inode);
    }
    for (long n = 0; n < header.getDelegationCount(); n++) {
      DelegationRecord r = DelegationRecord.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getDelegationCount() + " delegations");
      }
      Inode dir = byId.get(r.getDirId());
      if (dir == null || !dir.isDirectory()) {
        throw new IOException("namespace image delegates " + r.getDirId() + ", which is no directory");
      }
      ns.delegations().restore(r, dir);
    }
    for (long n = 0; n < header.getIdRangeCount(); n++) {
      InodeIdRangeRecord r = InodeIdRangeRecord.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getIdRangeCount() + " id ranges");
      }
      ns.delegations().restore(r);
    }
    for (long n = 0; n < header.getLockCount(); n++) {
      FileLock r = FileLock.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getLockCount() + " locks");
      }
      ns.locks().restore(r);
    }
    for (long n = 0; n < header.getUnlinkedCount(); n++) {
      InodeRecord r = InodeRecord.parseDelimitedFrom(checked);
      if (r == null) {
        throw new IOException("namespace image ends after " + n + " of " + header.getUnlinkedCount()
            + " unlinked files");
      }
      Inode file = fromRecord(r);
      file.unlinkedMs = r.getUnlinkedMs();
      ns.restoreUnlinked(file);
    }
    long computed = checked.getChecksum().getValue();
    long stored = new DataInputStream(checked).readLong();
    if (computed != stored) {
      throw new IOException("namespace image checksum mismatch: stored " + stored + ", computed " + computed);
    }
    ns.restoreCounters(header.getNextInodeId(), header.getNextBlockId(), header.getNextGenerationStamp());
    return ns;
  }

  private static InodeRecord toRecord(Inode i) {
    InodeRecord.Builder b = InodeRecord.newBuilder()
        .setId(i.id).setParentId(i.parent == null ? 0 : i.parent.id).setName(i.name).setType(i.type)
        .setMtimeMs(i.mtimeMs).setAtimeMs(i.atimeMs).setCtimeMs(i.ctimeMs)
        .setMtimeNanos(i.mtimeNanos()).setAtimeNanos(i.atimeNanos())
        .setMode(i.mode).setOwner(i.owner).setGroup(i.group);
    if (i.type == FileType.REGULAR_FILE) {
      b.setReplication(i.replication).setBlockSize(i.blockSize).addAllBlocks(i.blocks);
      if (i.writer != null) {
        b.setWriter(i.writer);
      }
    } else if (i.type == FileType.SYMLINK) {
      b.setSymlinkTarget(i.symlinkTarget);
    }
    b.setRdev(i.rdev);
    if (i.xattrs != null) {
      b.putAllXattrs(i.xattrs); // a sorted map: the same order on every peer
    }
    return b.build();
  }

  private static Inode fromRecord(InodeRecord r) {
    Inode i = new Inode(r.getId(), r.getType(), r.getName(), r.getMtimeMs(), r.getMode(), r.getOwner(), r.getGroup());
    i.setMtime(r.getMtimeMs(), r.getMtimeNanos());
    i.setAtime(r.getAtimeMs(), r.getAtimeNanos());
    i.ctimeMs = r.getCtimeMs();
    if (r.getType() == FileType.REGULAR_FILE) {
      i.replication = r.getReplication();
      i.blockSize = r.getBlockSize();
      i.blocks.addAll(r.getBlocksList());
      i.writer = r.getWriter().isEmpty() ? null : r.getWriter();
    } else if (r.getType() == FileType.SYMLINK) {
      i.symlinkTarget = r.getSymlinkTarget();
    }
    i.rdev = r.getRdev();
    if (r.getXattrsCount() > 0) {
      i.xattrs = new java.util.TreeMap<>(r.getXattrsMap());
    }
    return i;
  }

  /** A digest of the image bytes: equal namespaces give equal digests on every peer. */
  public static String digest(Namespace ns) {
    CRC32C crc = new CRC32C();
    try {
      write(ns, new OutputStream() {
        @Override
        public void write(int b) {
          crc.update(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          crc.update(b, off, len);
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return Long.toHexString(crc.getValue()) + "/" + List.of(ns.counts()[0], ns.counts()[1]);
  }
}
