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

  /** This user may not open the node's files: reads from its host go over the network from now on. */
  static void notReadable(NodeInfo node) {
    USABLE.put(node.getHost(), false);
  }

  /** The files could not be opened here; the caller reads over the network instead. */
  static final class NotReadableHere extends IOException {
    NotReadableHere(String message) {
      super(message);
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
