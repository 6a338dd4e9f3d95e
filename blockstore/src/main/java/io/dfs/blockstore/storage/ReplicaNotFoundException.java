package io.dfs.blockstore.storage;

import java.io.IOException;

/** A recovery named a replica this node does not have (or not long enough to continue). */
public final class ReplicaNotFoundException extends IOException {
  public ReplicaNotFoundException(String message) {
    super(message);
  }
}
