package io.dfs.blockstore.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One data directory: finalized replicas and the tmp area for replicas being written. */
record StorageDir(Path root) {
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
      return Files.getFileStore(root).getUsableSpace();
    } catch (IOException e) {
      return 0;
    }
  }
}
