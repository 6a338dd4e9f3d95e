package io.dfs.client.metadata;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.error.DfsException;
import io.dfs.proto.AbandonBlockRequest;
import io.dfs.proto.AddBlockRequest;
import io.dfs.proto.BadBlockReportRequest;
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
import io.dfs.proto.ListRequest;
import io.dfs.proto.ListResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaBatch;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.RenameRequest;
import io.dfs.proto.RenewLeaseRequest;
import io.dfs.proto.SetPermissionRequest;
import io.dfs.proto.SetReplicationRequest;
import io.dfs.proto.SetTimesRequest;
import io.dfs.proto.StatRequest;
import io.dfs.proto.SymlinkRequest;
import io.dfs.proto.TruncateRequest;
import io.dfs.proto.UpdateBlockRequest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.ExponentialBackoffRetry;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * Talks to the metadata peers over Ratis. Finds the leader by itself and retries through leader
 * changes; a server-side failure comes back as the precise {@link DfsException} subtype.
 *
 * <p>Retries are bounded in time so that a retried write always meets its first attempt's reply in
 * the peers' retry cache (5 minutes, MetadataServer) and is never applied twice: at most
 * {@link #MAX_ATTEMPTS} attempts of at most {@link #REQUEST_TIMEOUT_SECONDS} s plus 1 s of backoff
 * each, about 3 minutes in the worst case; peers that refuse at once (one is down, an election)
 * are retried for about half a minute.
 */
public final class MetadataClient implements Closeable {
  static final int MAX_ATTEMPTS = 30;
  static final int REQUEST_TIMEOUT_SECONDS = 5;
  /** Longest an async write may wait for its reply: every attempt timed out, with backoff. */
  static final int ASYNC_REPLY_BUDGET_SECONDS = MAX_ATTEMPTS * (REQUEST_TIMEOUT_SECONDS + 1);

  private final RaftClient raft;
  private final List<PeerAddress> peers;
  private final String clientId;
  private final WriteBatcher batcher;
  private final LeaseRenewer leases;
  private final MetricRegistry metrics = new MetricRegistry();
  private final Map<MetaRequest.OpCase, Timer> callTimers = new EnumMap<>(MetaRequest.OpCase.class);

  private MetadataClient(RaftClient raft, List<PeerAddress> peers, String clientId) {
    this.raft = raft;
    this.peers = peers;
    this.clientId = clientId;
    this.leases = new LeaseRenewer(clientId, () -> leaderRead(MetaRequest.newBuilder()
        .setRenewLease(RenewLeaseRequest.newBuilder().setClientId(clientId)).build()));
    this.batcher = new WriteBatcher(entry -> sendEntry(entry, 1));
    for (MetaRequest.OpCase op : MetaRequest.OpCase.values()) {
      callTimers.put(op, metrics.timer("client." + op.name().toLowerCase()));
    }
  }

  /**
   * One Raft entry, asynchronously. Bounded: it must end, successfully or not, even if Ratis never
   * answers. A leader that refused it while handing over never appended it: sent again, as
   * {@link #duringLeaderHandover} does for blocking calls.
   */
  private CompletableFuture<MetaResponse> sendEntry(MetaRequest entry, int attempt) {
    return raft.async().send(message(entry)).orTimeout(ASYNC_REPLY_BUDGET_SECONDS, TimeUnit.SECONDS)
        .thenApply(reply -> {
          try {
            return parse(reply);
          } catch (IOException e) {
            throw new CompletionException(e);
          }
        })
        .exceptionallyCompose(failure -> {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          if (isHandover(cause) && attempt < MAX_ATTEMPTS) {
            Executor later = CompletableFuture.delayedExecutor(handoverPauseMs(attempt), TimeUnit.MILLISECONDS);
            return CompletableFuture.runAsync(() -> { }, later).thenCompose(x -> sendEntry(entry, attempt + 1));
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  public static MetadataClient connect(ClusterConfig config, String clientId) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    RaftClientConfigKeys.Rpc.setWatchRequestTimeout(properties,
        TimeDuration.valueOf(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    RaftClient raft = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroups.of(config))
        .setRetryPolicy(ExponentialBackoffRetry.newBuilder()
            .setBaseSleepTime(TimeDuration.valueOf(50, TimeUnit.MILLISECONDS))
            .setMaxSleepTime(TimeDuration.valueOf(1, TimeUnit.SECONDS))
            .setMaxAttempts(MAX_ATTEMPTS)
            .build())
        .build();
    return new MetadataClient(raft, config.metadataPeers(), clientId);
  }

  public String clientId() {
    return clientId;
  }

  /**
   * Latency and rate of this client's blocking metadata calls, one timer per operation
   * ({@code client.create}, {@code client.stat}, ...): a process that embeds the client registers
   * them with its own metrics.
   */
  public MetricRegistry metrics() {
    return metrics;
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

  /** {@link #write(MetaRequest)} in the given lane. */
  public MetaResponse write(MetaRequest request, WriteLane lane) throws IOException {
    try (var timer = callTimers.get(request.getOpCase()).time()) {
      return raiseError(batcher.submit(request, lane).get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a metadata write");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw cause instanceof IOException io ? io : new IOException("metadata write failed", cause);
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
        return raiseError(response);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    });
  }

  public MetaResponse read(MetaRequest request, ReadConsistency consistency) throws IOException {
    try (var timer = callTimers.get(request.getOpCase()).time()) {
      return readUntimed(request, consistency);
    }
  }

  private MetaResponse readUntimed(MetaRequest request, ReadConsistency consistency) throws IOException {
    if (consistency == ReadConsistency.LINEARIZABLE) {
      return unwrap(duringLeaderHandover(() -> raft.io().sendReadOnly(message(request))));
    }
    IOException last = null;
    for (PeerAddress peer : peers) {
      try {
        return unwrap(raft.io().sendStaleRead(message(request), 0, RaftPeerId.valueOf(peer.id())));
      } catch (DfsException e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * A read only the leader can answer: replica locations and block health are its soft state (a
   * follower's would be empty or stale), so followers refuse and the client follows the leader.
   * Served from the leader's applied state without a ReadIndex round.
   */
  private MetaResponse leaderRead(MetaRequest request) throws IOException {
    return unwrap(duringLeaderHandover(() -> raft.io().sendReadOnlyNonLinearizable(message(request))));
  }

  // ------------------------------------------------------------------ namespace writes

  public FileStatus mkdir(MkdirRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setMkdir(r).build()).getStatus();
  }

  /** Creates a file and, when the request asks, allocates its first block in the same entry. */
  public MetaResponse createOpen(CreateFileRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setCreate(r.toBuilder().setClientId(clientId)).build());
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

  public FileStatus setTimes(SetTimesRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetTimes(r).build()).getStatus();
  }

  public FileStatus setReplication(SetReplicationRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetReplication(r).build()).getStatus();
  }

  public FileStatus setPermission(SetPermissionRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSetPermission(r).build()).getStatus();
  }

  public FileStatus symlink(SymlinkRequest r) throws IOException {
    return write(MetaRequest.newBuilder().setSymlink(r).build()).getStatus();
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
    leases.close();
    raft.close();
  }

  // ------------------------------------------------------------------ internals

  private interface RaftCall {
    RaftClientReply call() throws IOException;
  }

  /**
   * Ratis' client gives up at once on a leader that is handing over leadership (a transfer, a
   * step-down); the request was refused before it reached the log, so sending it again is safe.
   */
  private static RaftClientReply duringLeaderHandover(RaftCall call) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.call();
      } catch (LeaderSteppingDownException | TransferLeadershipException e) {
        if (attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
      try {
        Thread.sleep(handoverPauseMs(attempt));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while the metadata leader changed");
      }
    }
  }

  /** A refusal from a leader handing over: the request never reached the log, so it may be sent again. */
  private static boolean isHandover(Throwable t) {
    return t instanceof LeaderSteppingDownException || t instanceof TransferLeadershipException;
  }

  private static long handoverPauseMs(int attempt) {
    return Math.min(1000, 50L * attempt);
  }

  private static Message message(MetaRequest request) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(request.toByteArray()));
  }

  private static MetaResponse unwrap(RaftClientReply reply) throws IOException {
    return raiseError(parse(reply));
  }

  private static MetaResponse parse(RaftClientReply reply) throws IOException {
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("metadata request failed: " + reply);
    }
    MetaResponse response;
    try {
      response = MetaResponse.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("unreadable metadata response", e);
    }
    return response;
  }

  private static MetaResponse raiseError(MetaResponse response) throws DfsException {
    if (response.hasError() && response.getError().getCode() != ErrorCode.OK) {
      throw DfsException.from(response.getError());
    }
    return response;
  }
}
