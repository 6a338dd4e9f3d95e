package io.dfs.metadata.leases;

import io.dfs.client.block.NodeConnections;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.tls.ClusterTls;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.blocktokens.BlockTokenIssuer;
import io.dfs.metadata.statemachine.NamespaceStateMachine;
import io.dfs.metadata.statemachine.NamespaceStateMachine.OpenFile;
import io.dfs.proto.BlockAccess;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.ReapUnlinkedRequest;
import io.dfs.proto.RecoverLeaseRequest;
import io.dfs.proto.ReleaseLocksRequest;
import io.dfs.proto.ReturnDelegationRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's lease monitor: a directory delegation is taken back from a holder silent past its
 * lease, a silent session's locks (and files it held open) are released, unlinked files nobody
 * holds open are reaped after their grace, and a file whose writer let its lease lapse is completed without
 * it (HDFS's lease recovery). A last block its nodes finalized keeps their length; an unfinished one
 * is finalized by its pipeline nodes at the length all of them acknowledged
 * ({@link UnfinishedBlockRecovery}); without any, the block is dropped. The completion goes through the Raft log like any write,
 * proposed by this peer as a client of its own group, off the monitor thread.
 */
public final class LeaseRecovery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRecovery.class);
  /** Unlinked files reaped in one entry at most. */
  private static final int REAP_BATCH = 2_000;

  private final ClusterConfig config;
  private final String peerId;
  private final Supplier<NamespaceStateMachine> namespace;
  private final BlockManager blocks;
  private final LeaseManager leases;
  private final BlockTokenIssuer tokens;
  private final ClusterTls tls;
  private final NodeConnections nodes; // this peer's connections to storage nodes, as the peer
  private final ExecutorService proposer;
  private final long unlinkedGraceMs;
  /** A reap proposed and not yet answered: the next pass proposes none (set by the monitor, cleared by the proposer). */
  private volatile boolean reaping;
  private MetadataClient client; // created on first use, by the proposer thread only

  public LeaseRecovery(ClusterConfig config, String peerId, Supplier<NamespaceStateMachine> namespace,
      BlockManager blocks, LeaseManager leases, BlockTokenIssuer tokens, ClusterTls tls, long unlinkedGraceMs) {
    this.config = config;
    this.unlinkedGraceMs = unlinkedGraceMs;
    this.tls = tls;
    this.nodes = new NodeConnections(tls);
    this.peerId = peerId;
    this.namespace = namespace;
    this.blocks = blocks;
    this.leases = leases;
    this.tokens = tokens;
    this.proposer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lease-recovery-" + peerId);
      t.setDaemon(true);
      return t;
    });
  }

  /** One pass on the leader (out of safe mode, so the nodes' reports are in). */
  public void pass() {
    for (OpenFile f : namespace.get().openFiles()) {
      if (leases.shouldRecover(f.writer(), f.path())) {
        BlockInfo finalized = f.lastBlock() == null ? null : blocks.finalizedReplica(f.lastBlock());
        List<NodeInfo> pipeline = f.lastBlock() == null || finalized != null ? List.of() : blocks.locationsOf(f.lastBlock());
        leases.recoveryProposed(f.path());
        LOG.info("lease of {} on {} expired: completing it", f.writer(), f.path());
        proposer.execute(() -> propose(f, finalized != null || pipeline.isEmpty() ? finalized
            : UnfinishedBlockRecovery.recover(nodes, f.lastBlock(), pipeline,
                tokens.issue(f.lastBlock(), "lease-recovery-" + peerId, BlockAccess.READ, BlockAccess.WRITE))));
      }
    }
  }

  /**
   * Takes delegated directories from sessions silent past their delegation lease (on the leader, in
   * safe mode too: it needs no block reports).
   */
  public void takeBackDelegations() {
    Map<Long, String> delegated = namespace.get().delegations();
    leases.delegatedNow(delegated.keySet());
    delegated.forEach((dir, holder) -> {
      if (leases.shouldTakeBack(dir, holder)) {
        leases.takeBackProposed(dir);
        LOG.info("session {} silent with directory {} delegated: taking it back", holder, dir);
        proposer.execute(() -> proposeReturn(dir, holder));
      }
    });
  }

  /** Releases the locks of sessions silent past their lock lease (on the leader, in safe mode too). */
  public void releaseSilentLocks() {
    java.util.Set<String> holders = namespace.get().lockHolders();
    leases.lockingNow(holders);
    for (String session : holders) {
      if (leases.shouldReleaseLocks(session)) {
        leases.lockReleaseProposed(session);
        LOG.info("session {} silent while holding locks: releasing them", session);
        proposer.execute(() -> {
          try {
            client().write(MetaRequest.newBuilder().setReleaseLocks(ReleaseLocksRequest.newBuilder()
                .setSession(session)).build());
          } catch (IOException e) {
            LOG.warn("releasing the locks of {} failed (tried again): {}", session, e.toString());
          }
        });
      }
    }
  }

  /**
   * Files unlinked more than the grace period ago that no session holds open go for good, their
   * blocks with them (on the leader, in safe mode too). At most {@link #REAP_BATCH} an entry.
   */
  public void reapUnlinked() {
    if (reaping) {
      return;
    }
    List<Long> ids = namespace.get().reapableUnlinked(System.currentTimeMillis() - unlinkedGraceMs, REAP_BATCH);
    if (ids.isEmpty()) {
      return;
    }
    reaping = true;
    proposer.execute(() -> {
      try {
        client().write(MetaRequest.newBuilder().setReapUnlinked(ReapUnlinkedRequest.newBuilder().addAllInodeIds(ids))
            .build());
      } catch (IOException e) {
        LOG.warn("reaping {} unlinked files failed (tried again): {}", ids.size(), e.toString());
      } finally {
        reaping = false;
      }
    });
  }

  private void proposeReturn(long dir, String holder) {
    try {
      client().write(MetaRequest.newBuilder().setReturnDelegation(ReturnDelegationRequest.newBuilder().setDirId(dir)
          .setHolder(holder)).build());
    } catch (IOException e) {
      LOG.warn("taking directory {} back from {} failed (tried again): {}", dir, holder, e.toString());
    }
  }

  private MetadataClient client() {
    if (client == null) {
      client = MetadataClient.connect(config, "lease-recovery-" + peerId, tls);
    }
    return client;
  }

  private void propose(OpenFile f, BlockInfo last) {
    RecoverLeaseRequest.Builder r = RecoverLeaseRequest.newBuilder().setPath(f.path()).setClientId(f.writer());
    if (last != null) {
      r.setLast(last);
    }
    try {
      client().write(MetaRequest.newBuilder().setRecoverLease(r).build());
      leases.recoveryDone(f.path());
    } catch (IOException e) {
      LOG.warn("lease recovery of {} failed (retried after the hard limit): {}", f.path(), e.toString());
    }
  }

  @Override
  public void close() {
    proposer.shutdownNow();
    nodes.close();
    if (client != null) {
      try {
        client.close();
      } catch (IOException e) {
        LOG.debug("closing the lease recovery client", e);
      }
    }
  }
}
