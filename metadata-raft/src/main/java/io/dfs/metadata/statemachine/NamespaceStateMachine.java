package io.dfs.metadata.statemachine;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dfs.client.error.DfsException;
import io.dfs.metadata.blocks.BlockManager;
import io.dfs.metadata.leases.LeaseManager;
import io.dfs.metadata.namespace.BlockTable;
import io.dfs.metadata.namespace.ClientSessions;
import io.dfs.metadata.namespace.Inode;
import io.dfs.metadata.namespace.Namespace;
import io.dfs.metadata.namespace.NamespaceImage;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.ClientCall;
import io.dfs.proto.Error;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaBatchResponse;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.RenewLeaseRequest;
import io.dfs.proto.RenewLeaseResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace replicated by Ratis. Writes are applied from the log in order on every peer and
 * touch nothing but the namespace; reads run against the applied state under a read lock
 * (linearizable when Ratis' ReadIndex put them after the latest commit).
 *
 * <p>The leader's {@link BlockManager} is used only on the leader's request paths: placement in
 * {@link #startTransaction} (before an entry is proposed, so apply needs no soft state), block
 * locations for reads, and the node protocol, which bypasses the log. Lock order: the namespace
 * lock, then the block manager's monitor, which never calls back (it reads the lock-free
 * {@link BlockTable}).
 */
public final class NamespaceStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceStateMachine.class);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final BlockManager blocks;
  private final LeaseManager leases;
  private final NamespaceWrites writes;
  private final NamespaceReads reads;
  private final Function<MetaRequest, MetaResponse> clusterStatus;
  private volatile Namespace namespace;
  /** Whether the storage holds a snapshot (loaded, taken or installed). */
  private volatile boolean hasSnapshot;
  private final com.codahale.metrics.Meter writesApplied = new com.codahale.metrics.Meter();
  private final com.codahale.metrics.Meter readsAnswered = new com.codahale.metrics.Meter();
  private final com.codahale.metrics.Meter callsReplayed = new com.codahale.metrics.Meter();

  private final com.codahale.metrics.MetricRegistry metrics;

  public NamespaceStateMachine(BlockManager blocks, LeaseManager leases, int defaultReplication,
      long defaultBlockSize, Function<MetaRequest, MetaResponse> clusterStatus,
      com.codahale.metrics.MetricRegistry metrics) {
    this.metrics = metrics;
    this.blocks = blocks;
    this.leases = leases;
    this.writes = new NamespaceWrites(defaultReplication, defaultBlockSize);
    this.reads = new NamespaceReads(blocks);
    this.clusterStatus = clusterStatus;
    this.namespace = new Namespace();
  }

  // ------------------------------------------------------------------ lifecycle and snapshots

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    getLifeCycle().transition(LifeCycle.State.STARTING);
    loadLatestSnapshot();
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Ratis pauses the state machine before it installs a leader's snapshot on a peer that fell
   * behind the leader's purged log, and reloads it with {@link #reinitialize} afterwards.
   */
  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    hasSnapshot = true;
    Path file = snapshot.getFile().getPath();
    MD5Hash md5 = snapshot.getFile().getFileDigest();
    if (md5 != null) {
      MD5FileUtil.verifySavedMD5(file.toFile(), md5);
    }
    Namespace loaded;
    try (InputStream in = Files.newInputStream(file)) {
      loaded = NamespaceImage.read(in);
    }
    lock.writeLock().lock();
    try {
      this.namespace = loaded;
      updateLastAppliedTermIndex(snapshot.getTermIndex());
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info("{}: loaded namespace image {} ({})", getId(), snapshot.getTermIndex(), NamespaceImage.digest(loaded));
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * Ratis asks for this on every append and apply; before the first snapshot the storage would
   * list its directory each time (a few percent of a peer's CPU on a young cluster).
   */
  @Override
  public SnapshotInfo getLatestSnapshot() {
    return hasSnapshot ? storage.getLatestSnapshot() : null;
  }

  /** Synchronized: Ratis' automatic trigger and an operator's request may ask at the same time. */
  @Override
  public synchronized long takeSnapshot() throws IOException {
    TermIndex applied;
    Path tmp = storage.getSnapshotFile(0, 0).toPath().resolveSibling("namespace.image.tmp");
    lock.readLock().lock();
    try {
      applied = getLastAppliedTermIndex();
      if (applied == null || applied.getIndex() < 0) {
        return -1;
      }
      try (OutputStream out = Files.newOutputStream(tmp)) {
        NamespaceImage.write(namespace, out);
      }
    } finally {
      lock.readLock().unlock();
    }
    // fsync then rename: a crash leaves either the old snapshot or the complete new one
    try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Path target = storage.getSnapshotFile(applied.getTerm(), applied.getIndex()).toPath();
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target.toFile());
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target, md5), applied));
    hasSnapshot = true;
    LOG.info("{}: wrote namespace image at {}", getId(), applied);
    return applied.getIndex();
  }

  // ------------------------------------------------------------------ writes

  /**
   * Runs on the leader only, before the entry is proposed: stamps the leader's clock into it and
   * chooses the nodes for any block it allocates, so every peer applies the same entry the same way.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    MetaRequest parsed = parse(request.getMessage().getContent());
    MetaRequest stamped = placed(parsed).toBuilder().setLeaderTimeMs(System.currentTimeMillis()).build();
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(UnsafeByteOperations.unsafeWrap(stamped.toByteArray()))
        .build();
  }

  /** The entry with the leader's placement in every write it holds (calls hold batches, batches writes). */
  private MetaRequest placed(MetaRequest request) {
    switch (request.getOpCase()) {
      case CALLS -> {
        MetaRequest.Builder out = request.toBuilder();
        var calls = out.getCallsBuilder();
        for (int i = 0; i < calls.getCallsCount(); i++) {
          var call = calls.getCalls(i);
          calls.setCalls(i, call.toBuilder().setRequest(placed(call.getRequest())));
        }
        return out.build();
      }
      case BATCH -> {
        MetaRequest.Builder out = request.toBuilder();
        var batch = out.getBatchBuilder();
        for (int i = 0; i < batch.getRequestsCount(); i++) {
          batch.setRequests(i, withPlacement(batch.getRequests(i)));
        }
        return out.build();
      }
      default -> {
        return withPlacement(request);
      }
    }
  }

  /** Leader placement for a block allocation or a pipeline's replacements; other writes unchanged. */
  private MetaRequest withPlacement(MetaRequest request) {
    leases.renew(writerOf(request));
    switch (request.getOpCase()) {
      case CREATE -> {
        var r = request.getCreate();
        if (!r.getAllocateBlock()) {
          return request;
        }
        List<NodeInfo> targets = blocks.chooseTargets(writes.replicationOf(r), java.util.Set.of());
        return request.toBuilder().setCreate(r.toBuilder().clearTargets().addAllTargets(targets)).build();
      }
      case ADD_BLOCK -> {
        var r = request.getAddBlock();
        int replication = withReadLock(ns -> {
          try {
            return ns.file(r.getPath(), r.getInodeId()).replication();
          } catch (DfsException e) {
            return 0; // apply reports the error
          }
        });
        List<NodeInfo> targets = blocks.chooseTargets(replication, new HashSet<>(r.getExcludeNodesList()));
        return request.toBuilder().setAddBlock(r.toBuilder().clearTargets().addAllTargets(targets)).build();
      }
      case UPDATE_BLOCK -> {
        var r = request.getUpdateBlock();
        List<NodeInfo> targets = r.getReplacementsWanted() <= 0 ? List.of()
            : blocks.chooseReplacements(r.getReplacementsWanted(), new HashSet<>(r.getExcludeNodesList()));
        return request.toBuilder().setUpdateBlock(r.toBuilder().clearTargets().addAllTargets(targets)).build();
      }
      default -> {
        return request;
      }
    }
  }

  /** The client a write comes from when it acts on a file it holds open (the write renews its lease). */
  private static String writerOf(MetaRequest request) {
    return switch (request.getOpCase()) {
      case CREATE -> request.getCreate().getClientId();
      case ADD_BLOCK -> request.getAddBlock().getClientId();
      case UPDATE_BLOCK -> request.getUpdateBlock().getClientId();
      case ABANDON_BLOCK -> request.getAbandonBlock().getClientId();
      case FSYNC -> request.getFsync().getClientId();
      case COMPLETE -> request.getComplete().getClientId();
      default -> "";
    };
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    var entry = trx.getLogEntry();
    MetaResponse response;
    com.codahale.metrics.Timer.Context timer = null;
    lock.writeLock().lock();
    try {
      MetaRequest request = parse(entry.getStateMachineLogEntry().getLogData());
      timer = metrics.timer("namespace.apply." + request.getOpCase().name().toLowerCase()).time();
      response = request.getOpCase() == MetaRequest.OpCase.CALLS ? applyCalls(request) : applyWrites(request, "");
    } catch (IOException | RuntimeException e) {
      LOG.error("{}: failed to apply entry {}", getId(), entry.getIndex(), e);
      response = error(ErrorCode.INTERNAL, e.toString());
    } finally {
      if (timer != null) {
        timer.stop();
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      lock.writeLock().unlock();
    }
    return CompletableFuture.completedFuture(toMessage(response));
  }

  /**
   * One write of session {@code who} (empty: the peers' own); a rule it breaks becomes its error
   * response, leaving the namespace unchanged.
   */
  private MetaResponse applyOne(MetaRequest request, String who) {
    if (!NamespaceWrites.isWrite(request.getOpCase()) || request.getOpCase() == MetaRequest.OpCase.BATCH
        || request.getOpCase() == MetaRequest.OpCase.CALLS) {
      return error(ErrorCode.INVALID_ARGUMENT, "not a write: " + request.getOpCase());
    }
    writesApplied.mark();
    try {
      return writes.apply(namespace, request, who);
    } catch (DfsException e) {
      return MetaResponse.newBuilder().setError(e.toProto()).build();
    }
  }

  /**
   * Clients' calls, each applied unless its client's session shows it was already (a retry that
   * reached the log again): then it gets the response it had the first time.
   */
  private MetaResponse applyCalls(MetaRequest entry) {
    ClientSessions sessions = namespace.sessions();
    MetaBatchResponse.Builder out = MetaBatchResponse.newBuilder();
    for (ClientCall call : entry.getCalls().getCallsList()) {
      MetaResponse earlier = sessions.replayed(call, entry.getLeaderTimeMs());
      if (earlier != null) {
        callsReplayed.mark();
        out.addResponses(earlier);
        continue;
      }
      MetaRequest request = call.getRequest().toBuilder().setLeaderTimeMs(entry.getLeaderTimeMs()).build();
      MetaResponse response = applyWrites(request, call.getClientId());
      sessions.record(call, response);
      out.addResponses(response);
    }
    return MetaResponse.newBuilder().setBatch(out).build();
  }

  /** A batch of writes or a single one (a client's call holds either, as an entry of its own may). */
  private MetaResponse applyWrites(MetaRequest request, String who) {
    return request.getOpCase() == MetaRequest.OpCase.BATCH ? applyBatch(request, who) : applyOne(request, who);
  }

  private MetaResponse applyBatch(MetaRequest batch, String who) {
    MetaBatchResponse.Builder out = MetaBatchResponse.newBuilder();
    for (MetaRequest r : batch.getBatch().getRequestsList()) {
      MetaRequest.Builder one = r.toBuilder().setLeaderTimeMs(batch.getLeaderTimeMs());
      if (batch.hasCaller()) {
        one.setCaller(batch.getCaller()); // a batch is one caller's
      }
      out.addResponses(applyOne(one.build(), who));
    }
    return MetaResponse.newBuilder().setBatch(out).build();
  }

  // ------------------------------------------------------------------ reads and node protocol

  @Override
  public CompletableFuture<Message> query(Message message) {
    MetaResponse response;
    try {
      response = answer(parse(message.getContent()));
    } catch (IOException e) {
      response = error(ErrorCode.INVALID_ARGUMENT, e.toString());
    }
    return CompletableFuture.completedFuture(toMessage(response));
  }

  /** A read from this peer's applied state (and the leader's soft state), as Ratis' query or a leader read. */
  public MetaResponse answer(MetaRequest request) {
    MetaResponse response;
    try {
      metrics.meter("namespace.query." + request.getOpCase().name().toLowerCase()).mark();
      if (request.getOpCase() == MetaRequest.OpCase.BAD_BLOCK) {
        // a reader found a corrupt replica (nodes' own reports come by the node protocol port)
        blocks.badBlock(request.getBadBlock());
        response = MetaResponse.newBuilder().setDone(true).build();
      } else if (request.getOpCase().getNumber() >= MetaRequest.REGISTER_NODE_FIELD_NUMBER) {
        response = error(ErrorCode.INVALID_ARGUMENT,
            "storage nodes talk to the node protocol port, not Raft: " + request.getOpCase());
      } else if (request.getOpCase() == MetaRequest.OpCase.RENEW_LEASE) {
        response = renew(request.getRenewLease());
      } else if (request.getOpCase() == MetaRequest.OpCase.RECALL_DELEGATION) {
        String dir = request.getRecallDelegation().getPath();
        Long delegated = withReadLock(ns -> {
          try {
            Inode d = ns.resolve(dir);
            return ns.delegations().holder(d.id()) == null ? null : d.id();
          } catch (DfsException e) {
            return null;
          }
        });
        if (delegated != null) {
          leases.recall(delegated);
        }
        response = MetaResponse.newBuilder().setDone(true).build();
      } else if (request.getOpCase() == MetaRequest.OpCase.CLUSTER_STATUS) {
        response = clusterStatus.apply(request);
      } else {
        readsAnswered.mark();
        lock.readLock().lock();
        try {
          response = reads.query(namespace, request);
        } finally {
          lock.readLock().unlock();
        }
      }
    } catch (DfsException e) {
      response = MetaResponse.newBuilder().setError(e.toProto()).build();
    } catch (RuntimeException e) {
      response = error(ErrorCode.INTERNAL, e.toString());
    }
    return response;
  }

  /** A client's renewal: its files' leases, and its session's delegations, with the recalled ones. */
  private MetaResponse renew(RenewLeaseRequest r) {
    leases.renew(r.getClientId());
    if (r.getSession().isEmpty()) {
      return MetaResponse.newBuilder().setDone(true).build();
    }
    leases.renewSession(r.getSession());
    RenewLeaseResponse.Builder renewal = withReadLock(ns -> RenewLeaseResponse.newBuilder()
        .addAllHeld(ns.delegations().heldBy(r.getSession())).addAllIdRanges(ns.delegations().idRanges(r.getSession())));
    return MetaResponse.newBuilder().setRenewal(renewal.addAllRecalled(leases.recalledAmong(renewal.getHeldList())))
        .build();
  }

  /** Advisory locks held now. */
  public int lockCount() {
    return withReadLock(ns -> ns.locks().count());
  }

  /** Files unlinked and kept for whoever may have them open. */
  public int unlinkedCount() {
    return withReadLock(ns -> ns.unlinkedFiles().size());
  }

  /** Up to {@code max} unlinked files, unlinked at or before {@code before}, that nobody holds open. */
  public List<Long> reapableUnlinked(long before, int max) {
    return withReadLock(ns -> ns.reapable(before, max));
  }

  /** Sessions holding at least one lock. */
  public java.util.Set<String> lockHolders() {
    return withReadLock(ns -> ns.locks().holders());
  }

  /** Every delegated directory with its holding session. */
  public Map<Long, String> delegations() {
    return withReadLock(ns -> ns.delegations().holders());
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (groupMemberId.getPeerId().equals(newLeaderId)) {
      leases.becameLeader();
      blocks.becameLeader();
    } else {
      blocks.lostLeadership();
    }
  }

  @Override
  public void notifyLeaderReady() {
    blocks.leaderReady();
  }

  // ------------------------------------------------------------------ for the server and tests

  /** Raft writes applied on this peer (a rate meter). */
  public com.codahale.metrics.Meter writesApplied() {
    return writesApplied;
  }

  /** Retried client calls that found their first attempt's response (a rate meter). */
  public com.codahale.metrics.Meter callsReplayed() {
    return callsReplayed;
  }

  /** Clients with a session, and write responses kept for their retries. */
  public long[] sessionCounts() {
    return withReadLock(ns -> ns.sessions().counts());
  }

  /** Namespace reads answered by this peer (a rate meter). */
  public com.codahale.metrics.Meter readsAnswered() {
    return readsAnswered;
  }

  /** Counts of files, directories and blocks. */
  public long[] counts() {
    return withReadLock(Namespace::counts);
  }

  /** A file being written: its writer holds a lease on it. */
  public record OpenFile(String path, String writer, BlockInfo lastBlock) {}

  /** Files under construction now. */
  public List<OpenFile> openFiles() {
    return withReadLock(ns -> ns.openFiles().stream().map(i -> new OpenFile(i.path(), i.writer(),
        i.blocks().isEmpty() ? null : i.blocks().get(i.blocks().size() - 1))).toList());
  }

  /** The current namespace's block table, readable without any lock. */
  public BlockTable blockTable() {
    return namespace.blockTable();
  }

  /** A digest of the whole namespace: equal on peers that applied the same entries. */
  public String digest() {
    return withReadLock(NamespaceImage::digest);
  }

  private <T> T withReadLock(Function<Namespace, T> f) {
    lock.readLock().lock();
    try {
      return f.apply(namespace);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static MetaRequest parse(ByteString bytes) throws InvalidProtocolBufferException {
    return MetaRequest.parseFrom(bytes.asReadOnlyByteBuffer());
  }

  private static Message toMessage(MetaResponse response) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(response.toByteArray()));
  }

  /** A response carrying only an error: the one way the metadata service builds one. */
  public static MetaResponse error(ErrorCode code, String message) {
    return MetaResponse.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message)).build();
  }
}
