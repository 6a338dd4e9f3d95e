package io.dfs.client.metadata;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.error.DfsException;
import io.dfs.client.tls.ClusterTls;
import io.dfs.proto.AbandonBlockRequest;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.Caller;
import io.dfs.proto.ClusterStatusRequest;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.DeleteRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FsckRequest;
import io.dfs.proto.FsckResponse;
import io.dfs.proto.FsyncRequest;
import io.dfs.proto.GetBlockLocationsRequest;
import io.dfs.proto.GetBlockLocationsResponse;
import io.dfs.proto.GetXattrsRequest;
import io.dfs.proto.LinkRequest;
import io.dfs.proto.ListRequest;
import io.dfs.proto.ListResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaBatch;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.MknodRequest;
import io.dfs.proto.ReadMode;
import io.dfs.proto.RemoveXattrRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.ReplaceContentRequest;
import io.dfs.proto.RecallDelegationRequest;
import io.dfs.proto.RenewLeaseRequest;
import io.dfs.proto.RenewLeaseResponse;
import io.dfs.proto.SetPermissionRequest;
import io.dfs.proto.SetReplicationRequest;
import io.dfs.proto.SetTimesRequest;
import io.dfs.proto.SetXattrRequest;
import io.dfs.proto.StatRequest;
import io.dfs.proto.SymlinkRequest;
import io.dfs.proto.TruncateRequest;
import io.dfs.proto.UpdateBlockRequest;
import io.dfs.proto.Xattrs;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to the metadata peers' RPC ports: finds the leader by itself and follows it through leader
 * changes; a server-side failure comes back as the precise {@link DfsException} subtype.
 *
 * <p>Writes are exactly-once however often they are sent: every call carries this client's
 * session id and a call id, and the leader's state machine keeps a write's response until the
 * client reports it answered (ClientSessions). A call is sent again after
 * {@link #REQUEST_TIMEOUT_SECONDS} without an answer and fails after
 * {@link #ASYNC_REPLY_BUDGET_SECONDS}, well within the ten minutes a session is kept.
 */
public final class MetadataClient implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataClient.class);
  static final int REQUEST_TIMEOUT_SECONDS = 5;
  /** Longest a call may wait for its answer, through elections and lost peers. */
  static final int ASYNC_REPLY_BUDGET_SECONDS = 180;

  private final ClusterConfig config;
  private final String clientId;
  private final ClusterTls tls;
  /** Who this client says it acts for, on every call (believed only from a trusted certificate). */
  private final Caller user;
  private final PeerChannel leader;
  private volatile PeerChannel staleReads;
  private final WriteBatcher batcher;
  private final LeaseRenewer leases;
  private final DirectoryDelegations delegations;
  private final SessionLocks locks;
  private final MetricRegistry metrics = new MetricRegistry();
  private final Map<MetaRequest.OpCase, Timer> callTimers = new EnumMap<>(MetaRequest.OpCase.class);

  private MetadataClient(ClusterConfig config, String clientId, ClusterTls tls, Caller user) {
    this.config = config;
    this.clientId = clientId;
    this.tls = tls;
    this.user = user;
    this.leader = channel(clientId, true);
    this.leases = new LeaseRenewer(clientId, this::renew);
    this.batcher = new WriteBatcher(entry -> leader.call(entry, ReadMode.LINEARIZABLE));
    this.delegations = new DirectoryDelegations(request -> batcher.submit(request, WriteLane.INTERACTIVE),
        this::renew, batcher::expedite, metrics);
    this.locks = new SessionLocks(request -> await(leader.call(request, ReadMode.LINEARIZABLE), "lock call"),
        leader.session(), leases, metrics.meter("client.lock_wait_asks"));
    for (MetaRequest.OpCase op : MetaRequest.OpCase.values()) {
      callTimers.put(op, metrics.timer("client." + op.name().toLowerCase()));
    }
  }

  /**
   * A channel with its own session: the id names this client instance (another process with the
   * same client id must never see this one's calls as its retries).
   */
  private PeerChannel channel(String clientId, boolean followLeader) {
    String session = clientId + "@" + UUID.randomUUID();
    return new PeerChannel(config.rpcAddresses(), session, followLeader,
        TimeUnit.SECONDS.toMillis(REQUEST_TIMEOUT_SECONDS), TimeUnit.SECONDS.toMillis(ASYNC_REPLY_BUDGET_SECONDS), tls, user);
  }

  /**
   * One renewal of everything this client holds: its writers' leases and its session (its
   * directory delegations, and its locks, which the leader releases when the session goes silent).
   */
  private RenewLeaseResponse renew() throws IOException {
    return leaderRead(MetaRequest.newBuilder().setRenewLease(RenewLeaseRequest.newBuilder().setClientId(clientId)
        .setSession(leader.session())).build()).getRenewal();
  }

  /** A client that presents the client identity of the config ({@code dfs.tls.identity}). */
  public static MetadataClient connect(ClusterConfig config, String clientId) {
    return connect(config, clientId, ClusterTls.forClient(config));
  }

  /** A client that presents {@code tls}'s identity (a metadata peer's own calls). */
  public static MetadataClient connect(ClusterConfig config, String clientId, ClusterTls tls) {
    return new MetadataClient(config, clientId, tls, LocalUser.claim());
  }

  /**
   * A client that acts for {@code user} rather than the user this process runs as (a gateway
   * serving its users); the peers believe it only from a client certificate they trust for that.
   */
  public static MetadataClient connect(ClusterConfig config, String clientId, Caller user) {
    return new MetadataClient(config, clientId, ClusterTls.forClient(config), user);
  }

  /** The TLS this client's connections use, for its connections to storage nodes too. */
  public ClusterTls tls() {
    return tls;
  }

  public String clientId() {
    return clientId;
  }

  /** The user this client's calls are made for. */
  public Caller user() {
    return user;
  }

  /**
   * Latency and rate of this client's blocking metadata calls, one timer per operation
   * ({@code client.create}, {@code client.stat}, ...): a process that embeds the client registers
   * them with its own metrics.
   */
  public MetricRegistry metrics() {
    return metrics;
  }

  /** Directories delegated to this client; used only by a client that asks for them (the mount). */
  public DirectoryDelegations delegations() {
    return delegations;
  }

  /** This client session's advisory locks (flock and POSIX locks), held by the metadata service. */
  public SessionLocks locks() {
    return locks;
  }

  /** Leases this client holds while files are open for writing; streams open and release them. */
  public LeaseRenewer leases() {
    return leases;
  }

  // ------------------------------------------------------------------ envelopes

  /**
   * A write through the Raft log, waiting for its result. It goes through the interactive lane's
   * group commit, like {@link #writeAsync}: writes of this client's threads that meet share a Raft
   * entry (the gateway's uploads, the mount's callbacks), a lone writer still pays one entry.
   */
  public MetaResponse write(MetaRequest request) throws IOException {
    return write(request, WriteLane.INTERACTIVE);
  }

  /**
   * {@link #write(MetaRequest)} in the given lane. A write refused because another client holds
   * the directory it changes is sent again once the leader recalled the directory (the holder gives
   * it back within a renewal, or the leader takes it from a silent one), for up to
   * {@link #DELEGATED_RETRY_MS}.
   */
  public MetaResponse write(MetaRequest request, WriteLane lane) throws IOException {
    try (var timer = callTimers.get(request.getOpCase()).time()) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELEGATED_RETRY_MS);
      long pauseMs = 5;
      while (true) {
        MetaResponse response = await(batcher.submit(request, lane), "metadata write");
        if (response.getError().getCode() != ErrorCode.DELEGATED || System.nanoTime() - deadline > 0) {
          raiseError(response);
          delegations.applied(request, response);
          return response;
        }
        metrics.meter("client.delegated_waits").mark();
        delegations.contended(response.getError().getPath());
        leaderRead(MetaRequest.newBuilder().setRecallDelegation(RecallDelegationRequest.newBuilder()
            .setPath(response.getError().getPath())).build());
        sleep(pauseMs);
        pauseMs = Math.min(pauseMs * 2, 100);
      }
    }
  }

  /** How long a write waits for a directory another client holds: past its lease, with room to spare. */
  static final long DELEGATED_RETRY_MS = 30_000;

  private static void sleep(long ms) throws InterruptedIOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a delegated directory");
    }
  }

  /**
   * A write through the Raft log without waiting. Concurrent async writes of this client share log
   * entries (group commit), which is how a busy client gets high metadata throughput.
   */
  public CompletableFuture<MetaResponse> writeAsync(MetaRequest request) {
    return writeAsync(request, WriteLane.INTERACTIVE);
  }

  /** {@link #writeAsync(MetaRequest)} in the given lane. */
  public CompletableFuture<MetaResponse> writeAsync(MetaRequest request, WriteLane lane) {
    return batcher.submit(request, lane).thenApply(response -> {
      try {
        raiseError(response);
        delegations.applied(request, response);
        return response;
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    });
  }

  public MetaResponse read(MetaRequest request, ReadConsistency consistency) throws IOException {
    try (var timer = callTimers.get(request.getOpCase()).time()) {
      if (consistency == ReadConsistency.LINEARIZABLE) {
        return raiseError(await(leader.call(request, ReadMode.LINEARIZABLE), "metadata read"));
      }
      return raiseError(await(staleReads().call(request, ReadMode.STALE), "metadata read"));
    }
  }

  /** Stale reads go to one peer (the first listed that answers), not after the leader. */
  private PeerChannel staleReads() {
    PeerChannel c = staleReads;
    if (c == null) {
      synchronized (this) {
        if (staleReads == null) {
          staleReads = channel(clientId, false);
        }
        c = staleReads;
      }
    }
    return c;
  }

  /**
   * A read only the leader can answer: replica locations and block health are its soft state (a
   * follower's would be empty or stale). Served from the leader's applied state without a ReadIndex.
   */
  private MetaResponse leaderRead(MetaRequest request) throws IOException {
    return raiseError(await(leader.call(request, ReadMode.LEADER), "metadata read"));
  }

  private static MetaResponse await(CompletableFuture<MetaResponse> call, String what) throws IOException {
    try {
      return call.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a " + what);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw cause instanceof IOException io ? io : new IOException(what + " failed", cause);
    }
  }

  // ------------------------------------------------------------------ namespace writes

  public FileStatus mkdir(MkdirRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setMkdir(r).build()).getStatus();
  }

  /** Creates a file and, when the request asks, allocates its first block in the same entry. */
  public MetaResponse createOpen(CreateFileRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setCreate(r.toBuilder().setClientId(clientId)).build());
  }

  /**
   * A create sent without waiting (under a delegation of its directory); the future fails with
   * its error. Nobody waits for it, so it goes in the background lane: a run of them (tar) shares
   * Raft entries with each other and with the write-behind completions.
   */
  public CompletableFuture<MetaResponse> createAsync(CreateFileRequest r) {
    return writeAsync(MetaRequest.newBuilder().setCreate(r.toBuilder().setClientId(clientId)).build(),
        WriteLane.BACKGROUND);
  }

  public FileStatus create(CreateFileRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setCreate(r.toBuilder().setClientId(clientId)).build()).getStatus();
  }

  public LocatedBlock addBlock(AddBlockRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setAddBlock(r.toBuilder().setClientId(clientId)).build()).getLocatedBlock();
  }

  public FileStatus complete(CompleteFileRequest r) throws IOException {
    return complete(r, List.of(), WriteLane.INTERACTIVE);
  }

  /**
   * Completes a file and applies {@code then} (attribute changes of the same file) in the same Raft
   * entry, in the given lane. Fails if the completion failed; the changes are applied in order after it.
   */
  public FileStatus complete(CompleteFileRequest r, List<MetaRequest> then, WriteLane lane) throws IOException {
    MetaRequest complete = MetaRequest.newBuilder().setComplete(r.toBuilder().setClientId(clientId)).build();
    if (then.isEmpty()) {
      return write(complete, lane).getStatus();
    }
    MetaResponse batch = write(MetaRequest.newBuilder()
        .setBatch(MetaBatch.newBuilder().addRequests(complete).addAllRequests(then)).build(), lane);
    FileStatus last = null;
    for (MetaResponse each : batch.getBatch().getResponsesList()) {
      last = raiseError(each).getStatus();
    }
    return last;
  }

  public LocatedBlock updateBlock(UpdateBlockRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setUpdateBlock(r.toBuilder().setClientId(clientId)).build())
        .getLocatedBlock();
  }

  /** Records the acknowledged length of the block being written (hsync waits for it). */
  public FileStatus fsync(FsyncRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setFsync(r.toBuilder().setClientId(clientId)).build()).getStatus();
  }

  /** The same without waiting (hflush): concurrent ones share Raft entries. */
  public CompletableFuture<MetaResponse> fsyncAsync(FsyncRequest r) {
    return writeAsync(MetaRequest.newBuilder().setFsync(r.toBuilder().setClientId(clientId)).build());
  }

  public void abandonBlock(AbandonBlockRequest r) throws IOException {
    write(MetaRequest.newBuilder().setAbandonBlock(r.toBuilder().setClientId(clientId)).build());
  }

  public void delete(String path, boolean recursive) throws IOException {
    write(MetaRequest.newBuilder().setDelete(DeleteRequest.newBuilder().setPath(path).setRecursive(recursive)).build());
  }

  public FileStatus rename(RenameRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setRename(r).build()).getStatus();
  }

  /** The complete file at {@code source} becomes {@code destination}'s content (see ReplaceContentRequest). */
  public FileStatus replaceContent(String source, String destination) throws IOException {
    return write(MetaRequest.newBuilder().setReplaceContent(ReplaceContentRequest.newBuilder().setSource(source)
        .setDestination(destination)).build()).getStatus();
  }

  public FileStatus setTimes(SetTimesRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetTimes(r).build()).getStatus();
  }

  public FileStatus setReplication(SetReplicationRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetReplication(r).build()).getStatus();
  }

  public FileStatus setPermission(SetPermissionRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetPermission(r).build()).getStatus();
  }

  public FileStatus link(LinkRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setLink(r).build()).getStatus();
  }

  public FileStatus symlink(SymlinkRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSymlink(r).build()).getStatus();
  }

  public FileStatus mknod(MknodRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setMknod(r).build()).getStatus();
  }

  public FileStatus setXattr(SetXattrRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetXattr(r).build()).getStatus();
  }

  public FileStatus removeXattr(RemoveXattrRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setRemoveXattr(r).build()).getStatus();
  }

  public FileStatus truncate(TruncateRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setTruncate(r).build()).getStatus();
  }

  // ------------------------------------------------------------------ namespace reads

  public FileStatus stat(String path) throws IOException {
    return stat(path, ReadConsistency.LINEARIZABLE);
  }

  public FileStatus stat(String path, ReadConsistency consistency) throws IOException {
    return read(MetaRequest.newBuilder().setStat(StatRequest.newBuilder().setPath(path)).build(), consistency)
        .getStatus();
  }

  public ListResponse list(String path, String startAfter, int limit) throws IOException {
    return read(MetaRequest.newBuilder().setList(ListRequest.newBuilder()
        .setPath(path).setStartAfter(startAfter == null ? "" : startAfter).setLimit(limit)).build(),
        ReadConsistency.LINEARIZABLE).getList();
  }

  public Xattrs xattrs(String path) throws IOException {
    return read(MetaRequest.newBuilder().setGetXattrs(GetXattrsRequest.newBuilder().setPath(path)).build(),
        ReadConsistency.LINEARIZABLE).getXattrs();
  }

  public GetBlockLocationsResponse getBlockLocations(String path, long offset, long length) throws IOException {
    return getBlockLocations(path, 0, offset, length);
  }

  /** As above, for an open reader: fails with STALE_FILE_HANDLE when the path names another file now. */
  public GetBlockLocationsResponse getBlockLocations(String path, long inodeId, long offset, long length)
      throws IOException {
    return leaderRead(MetaRequest.newBuilder().setGetBlockLocations(GetBlockLocationsRequest.newBuilder()
        .setPath(path).setInodeId(inodeId).setOffset(offset).setLength(length)).build()).getBlockLocations();
  }

  public FsckResponse fsck(String path) throws IOException {
    return leaderRead(MetaRequest.newBuilder().setFsck(FsckRequest.newBuilder().setPath(path)).build()).getFsck();
  }

  public ClusterStatusResponse clusterStatus() throws IOException {
    return leaderRead(MetaRequest.newBuilder().setClusterStatus(ClusterStatusRequest.getDefaultInstance()).build())
        .getClusterStatus();
  }

  // ------------------------------------------------------------------ leader soft state

  /** A reader found a replica corrupt: the leader decides what to do with it. */
  public void reportBadBlock(BadBlockReportRequest r) throws IOException {
    leaderRead(MetaRequest.newBuilder().setBadBlock(r).build());
  }

  @Override
  public void close() throws IOException {
    try {
      locks.releaseAll(); // else others wait for the leader to see this session silent
    } catch (IOException e) {
      LOG.warn("releasing this client's locks failed (the leader releases them after its lock lease): {}",
          e.toString());
    }
    delegations.close();
    leases.close();
    leader.close();
    if (staleReads != null) {
      staleReads.close();
    }
  }

  // ------------------------------------------------------------------ internals

  private static MetaResponse raiseError(MetaResponse response) throws DfsException {
    if (response.hasError() && response.getError().getCode() != ErrorCode.OK) {
      throw DfsException.from(response.getError());
    }
    return response;
  }
}
