package io.dfs.blockstore.storage;

import java.io.IOException;

/** A new block's write reached a node that already holds a replica of that block. */
public final class ReplicaExistsException extends IOException {
  public ReplicaExistsException(String message) {
    super(message);
  }
}
