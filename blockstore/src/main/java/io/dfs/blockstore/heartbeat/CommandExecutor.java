package io.dfs.blockstore.heartbeat;

import io.dfs.blockstore.storage.BlockStore;
import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaVerifier;
import io.dfs.client.block.BlockWriter;
import io.dfs.client.block.NodeConnections;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.NodeCommand;
import io.dfs.proto.ReplicateBlockCommand;
import io.dfs.proto.WriteStage;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the leader's commands: deletes replicas, and copies a replica to other nodes through
 * the same write pipeline clients use (stage REPLICATION), a few at a time in the background.
 */
public final class CommandExecutor implements Consumer<NodeCommand>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CommandExecutor.class);

  private final String nodeId;
  private final BlockStore store;
  private final NodeConnections connections;
  private final Consumer<BlockInfo> onDeleted;
  private final Runnable onReplicated;
  private final Consumer<Replica> onCorrupt;
  private final ExecutorService copies = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "replicate");
    t.setDaemon(true);
    return t;
  });

  public CommandExecutor(String nodeId, BlockStore store, NodeConnections connections, Consumer<BlockInfo> onDeleted,
      Runnable onReplicated, Consumer<Replica> onCorrupt) {
    this.connections = connections;
    this.onCorrupt = onCorrupt;
    this.nodeId = nodeId;
    this.store = store;
    this.onDeleted = onDeleted;
    this.onReplicated = onReplicated;
  }

  @Override
  public void accept(NodeCommand command) {
    if (command.hasDelete()) {
      for (BlockInfo b : command.getDelete().getBlocksList()) {
        if (store.delete(b)) {
          onDeleted.accept(b);
        }
      }
    } else if (command.hasReplicate()) {
      copies.execute(() -> replicate(command.getReplicate()));
    }
  }

  private void replicate(ReplicateBlockCommand c) {
    Replica r = store.get(c.getBlock().getBlockId()).orElse(null);
    if (r == null || r.block().getGenerationStamp() != c.getBlock().getGenerationStamp()) {
      LOG.info("cannot replicate block {}: no current replica here", c.getBlock().getBlockId());
      return;
    }
    try {
      // never spread a corrupt replica: its data would get fresh, valid checksums on the targets
      if (!ReplicaVerifier.isIntact(r)) {
        onCorrupt.accept(r);
        return;
      }
    } catch (java.io.IOException e) {
      LOG.warn("cannot verify block {} before copying it: {}", r.block().getBlockId(), e.toString());
      return;
    }
    try (BlockWriter w = BlockWriter.open(connections, c.getTargetsList(), r.block(), c.getToken(), WriteStage.REPLICATION,
        "node-" + nodeId, r.block().getLength());
         InputStream in = Files.newInputStream(r.data())) {
      byte[] buf = new byte[BlockWriter.PACKET_SIZE];
      for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
        w.writeAll(buf, 0, n);
      }
      w.finish();
      onReplicated.run();
      LOG.info("replicated block {} to {}", r.block().getBlockId(),
          c.getTargetsList().stream().map(t -> t.getNodeId()).toList());
    } catch (Exception e) {
      LOG.warn("replicating block {} failed: {}", r.block().getBlockId(), e.toString());
    }
  }

  @Override
  public void close() {
    copies.shutdownNow();
  }
}
