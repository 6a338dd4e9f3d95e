package io.dfs.client.block;

import io.dfs.proto.TransferStatus;
import java.io.IOException;

/** A write pipeline broke; {@link #badNode()} names the node to leave out of the next attempt. */
public final class PipelineException extends IOException {
  private final String badNode;
  private final TransferStatus status;

  public PipelineException(String message, String badNode, TransferStatus status) {
    super(message);
    this.badNode = badNode;
    this.status = status;
  }

  public String badNode() {
    return badNode;
  }

  public TransferStatus status() {
    return status;
  }
}
