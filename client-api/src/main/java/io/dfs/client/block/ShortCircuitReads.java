package io.dfs.client.block;

import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.OpResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HDFS's short-circuit read: a client on a storage node's own host reads a finalized replica's
 * files directly (the node names them, this side verifies every chunk's CRC32C), so the bytes
 * cross neither the node's process nor a socket. The file system's permissions are the check: a
 * client that may not open the files falls back to the network, and stops asking that host.
 * Off with {@code -Ddfs.client.read.shortcircuit=false}.
 */
final class ShortCircuitReads {
  static final String ENABLED = "dfs.client.read.shortcircuit";
  /** Per host: whether it is this machine and short-circuit reads from it still work. */
  private static final Map<String, Boolean> USABLE = new ConcurrentHashMap<>();

  private ShortCircuitReads() {}

  static boolean worthAsking(NodeInfo node) {
    return Boolean.parseBoolean(System.getProperty(ENABLED, "true"))
        && USABLE.computeIfAbsent(node.getHost(), ShortCircuitReads::isThisMachine);
  }

  /** Reads {@code [offset, offset + length)} of the replica the node named into {@code dst}; returns the bytes read. */
  static int read(NodeInfo node, OpResponse granted, long blockId, long offset, byte[] dst, int dstOffset, int length)
      throws IOException {
    int bpc = granted.getBytesPerChecksum();
    long end = Math.min(offset + length, granted.getReplicaLength());
    if (end <= offset) {
      return 0;
    }
    long from = offset / bpc * bpc;
    long to = Math.min(granted.getReplicaLength(), (end + bpc - 1) / bpc * bpc);
    int firstChunk = (int) (from / bpc);
    int chunks = (int) ((to - from + bpc - 1) / bpc);
    try (FileChannel data = FileChannel.open(Path.of(granted.getLocalDataPath()), StandardOpenOption.READ);
         FileChannel meta = FileChannel.open(Path.of(granted.getLocalMetaPath()), StandardOpenOption.READ)) {
      ByteBuffer crcs = ByteBuffer.allocate(chunks * 4);
      readFully(meta, crcs, 8 + 4L * firstChunk);
      crcs.flip();
      List<Integer> expected = new ArrayList<>(chunks);
      for (int i = 0; i < chunks; i++) {
        expected.add(crcs.getInt());
      }
      boolean aligned = from == offset && to == end;
      byte[] target = aligned ? dst : new byte[(int) (to - from)];
      int at = aligned ? dstOffset : 0;
      ByteBuffer range = ByteBuffer.wrap(target, at, (int) (to - from));
      readFully(data, range, from);
      if (ChunkChecksums.firstMismatch(ByteBuffer.wrap(target, at, (int) (to - from)), bpc, expected) >= 0) {
        throw new BlockReader.ChecksumException("checksum mismatch in block " + blockId + " read locally from "
            + node.getNodeId() + "'s replica");
      }
      if (!aligned) {
        System.arraycopy(target, (int) (offset - from), dst, dstOffset, (int) (end - offset));
      }
      return (int) (end - offset);
    } catch (java.nio.file.AccessDeniedException | java.nio.file.NoSuchFileException e) {
      if (e instanceof java.nio.file.AccessDeniedException) {
        USABLE.put(node.getHost(), false); // this user may not read the node's files: use the network from now on
      }
      throw new NotReadableHere(e.toString());
    }
  }

  /** The files could not be opened here; the caller reads over the network instead. */
  static final class NotReadableHere extends IOException {
    NotReadableHere(String message) {
      super(message);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
    long at = position;
    while (into.hasRemaining()) {
      int n = ch.read(into, at);
      if (n < 0) {
        throw new IOException("replica file shorter than expected");
      }
      at += n;
    }
  }

  private static boolean isThisMachine(String host) {
    try {
      InetAddress a = InetAddress.getByName(host);
      return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
