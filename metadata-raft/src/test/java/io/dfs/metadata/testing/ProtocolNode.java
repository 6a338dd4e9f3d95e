package io.dfs.metadata.testing;

import io.dfs.metadata.nodeprotocol.NodeProtocolClient;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockReceivedRequest;
import io.dfs.proto.BlockReportRequest;
import io.dfs.proto.NodeCommand;
import io.dfs.proto.NodeInfo;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control plane of a storage node without its disks, for metadata tests: registers with
 * whichever peer leads, heartbeats, sends a full report of the replicas it was told it holds when
 * a new leader asks it to register, deletes replicas when told to (as a storage node does) and
 * records every command it receives (it copies nothing: replication commands are only recorded).
 */
public final class ProtocolNode implements AutoCloseable {
  private final NodeProtocolClient link;
  private final NodeInfo info;
  private final ConcurrentHashMap<Long, BlockInfo> replicas = new ConcurrentHashMap<>();
  private final List<NodeCommand> commands = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService beats;

  public ProtocolNode(MetadataTestCluster cluster, String nodeId) throws IOException {
    this.link = new NodeProtocolClient(cluster.config(), cluster.nodeTls(nodeId));
    this.info = NodeInfo.newBuilder().setNodeId(nodeId).setHost("127.0.0.1").setDataPort(1)
        .setCapacityBytes(1L << 40).setRemainingBytes(1L << 40).build();
    link.register(info);
    this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat-" + nodeId);
      t.setDaemon(true);
      return t;
    });
    beats.scheduleWithFixedDelay(this::beat, 100, 100, TimeUnit.MILLISECONDS);
  }

  public String id() {
    return info.getNodeId();
  }

  public NodeInfo info() {
    return info;
  }

  private void beat() {
    try {
      var reply = link.heartbeat(info);
      if (reply.getReregister()) {
        link.register(info);
        link.blockReport(BlockReportRequest.newBuilder().setNodeId(id()).addAllBlocks(replicas.values()).build());
      }
      commands.addAll(reply.getCommandsList());
      for (NodeCommand c : reply.getCommandsList()) {
        if (c.hasDelete()) {
          for (BlockInfo b : c.getDelete().getBlocksList()) {
            if (replicas.remove(b.getBlockId(), replicas.get(b.getBlockId()))) {
              link.blockReceived(BlockReceivedRequest.newBuilder().setNodeId(id()).addDeleted(b).build());
            }
          }
        }
      }
    } catch (IOException e) {
      // a leader change in progress: the next beat finds the new leader
    }
  }

  /** This node finalized a replica: remember it and report it at once. */
  public void received(BlockInfo replica) throws IOException {
    replicas.put(replica.getBlockId(), replica);
    link.blockReceived(BlockReceivedRequest.newBuilder().setNodeId(id()).addReceived(replica).build());
  }

  /** This node finalized many replicas: one report for all of them. */
  public void receivedAll(List<BlockInfo> finalized) throws IOException {
    finalized.forEach(r -> replicas.put(r.getBlockId(), r));
    link.blockReceived(BlockReceivedRequest.newBuilder().setNodeId(id()).addAllReceived(finalized).build());
  }

  /** This node deleted a replica: forget it and report it. */
  public void deleted(BlockInfo replica) throws IOException {
    replicas.remove(replica.getBlockId());
    link.blockReceived(BlockReceivedRequest.newBuilder().setNodeId(id()).addDeleted(replica).build());
  }

  public boolean holds(long blockId) {
    return replicas.containsKey(blockId);
  }

  /** Every command this node was sent so far. */
  public List<NodeCommand> commands() {
    return List.copyOf(commands);
  }

  @Override
  public void close() throws IOException {
    beats.shutdownNow();
    link.close();
  }
}
