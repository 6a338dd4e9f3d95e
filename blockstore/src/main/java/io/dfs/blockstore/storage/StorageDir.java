package io.dfs.blockstore.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** One data directory: finalized replicas and the tmp area for replicas being written. */
final class StorageDir {
  private final Path root;
  /**
   * Its file system, found once: Files.getFileStore reads the mount table on every call, and every
   * replica created asked for the free space several times (4% of a node's CPU with small files).
   */
  private volatile FileStore fileStore;

  StorageDir(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  Path finalized() {
    return root.resolve(ReplicaFiles.FINALIZED);
  }

  Path tmp() {
    return root.resolve(ReplicaFiles.TMP);
  }

  void create() throws IOException {
    Files.createDirectories(finalized());
    Files.createDirectories(tmp());
  }

  long usableSpace() {
    try {
      FileStore fs = fileStore;
      if (fs == null) {
        fs = Files.getFileStore(root);
        fileStore = fs;
      }
      return fs.getUsableSpace();
    } catch (IOException e) {
      return 0;
    }
  }
}
