package io.dfs.metadata.namespace;

import io.dfs.metadata.namespace.image.CallResult;
import io.dfs.metadata.namespace.image.SessionRecord;
import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.MetaResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What makes a client's write exactly-once when it reaches the log more than once (a retry after
 * a timeout or a leader change, whichever attempt got in): the response of every write call a
 * client has not yet reported answered, by client and call id. HDFS's NameNode retry cache, kept in
 * the replicated state so a new leader has it: every peer builds the same table from the same
 * entries, and it goes into the image.
 *
 * <p>Bounded by the clients: a client's later calls say which of its calls are answered (they are
 * dropped), and a client silent for {@link #EXPIRY_MS} of leader time is forgotten, far longer than
 * a client keeps retrying. Deterministic: times come from the entries. Not thread-safe, like the
 * namespace it belongs to.
 */
public final class ClientSessions {
  /** A client retries for about three minutes (MetadataClient); its session outlives that. */
  public static final long EXPIRY_MS = 10 * 60_000;
  private static final long SWEEP_EVERY_MS = 60_000;

  private static final class Session {
    long lastSeenMs;
    long answeredBelow;
    final TreeMap<Long, MetaResponse> results = new TreeMap<>();
  }

  private final Map<String, Session> sessions = new HashMap<>();
  private long lastSweepMs;

  /**
   * The response this call already had, or null when it has not been applied yet (apply it, then
   * {@link #record}). A call its client already reported answered is refused: only a stray copy of
   * an old attempt can arrive that late, and nobody waits for it.
   */
  public MetaResponse replayed(ClientCall call, long nowMs) {
    sweep(nowMs);
    Session s = sessions.computeIfAbsent(call.getClientId(), id -> new Session());
    s.lastSeenMs = nowMs;
    if (call.getAnsweredBelow() > s.answeredBelow) {
      s.answeredBelow = call.getAnsweredBelow();
      s.results.headMap(s.answeredBelow).clear();
    }
    MetaResponse earlier = s.results.get(call.getCallId());
    if (earlier != null) {
      return earlier;
    }
    if (call.getCallId() < s.answeredBelow) {
      return MetaResponse.newBuilder().setError(io.dfs.proto.Error.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT)
          .setMessage("call " + call.getCallId() + " of " + call.getClientId() + " was answered already")).build();
    }
    return null;
  }

  /** Keeps a just-applied call's response for its retries. */
  public void record(ClientCall call, MetaResponse response) {
    sessions.get(call.getClientId()).results.put(call.getCallId(), response);
  }

  /** Clients with a session, and responses kept: for metrics and tests. */
  public long[] counts() {
    return new long[] {sessions.size(), sessions.values().stream().mapToLong(s -> s.results.size()).sum()};
  }

  private void sweep(long nowMs) {
    if (nowMs - lastSweepMs < SWEEP_EVERY_MS) {
      return;
    }
    lastSweepMs = nowMs;
    for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
      if (nowMs - it.next().lastSeenMs > EXPIRY_MS) {
        it.remove();
      }
    }
  }

  // ------------------------------------------------------------------ image

  /** Sessions as image records, by client id so equal tables give equal images. */
  List<SessionRecord> toRecords() {
    List<SessionRecord> out = new ArrayList<>();
    new TreeMap<>(sessions).forEach((id, s) -> {
      SessionRecord.Builder r = SessionRecord.newBuilder().setClientId(id).setLastSeenMs(s.lastSeenMs)
          .setAnsweredBelow(s.answeredBelow);
      s.results.forEach((callId, response) -> r.addResults(CallResult.newBuilder().setCallId(callId)
          .setResponse(response)));
      out.add(r.build());
    });
    return out;
  }

  /** When sessions were last swept for expiry: in the image, so every peer sweeps at the same entries. */
  long lastSweepMs() {
    return lastSweepMs;
  }

  void restore(List<SessionRecord> records, long lastSweepMs) {
    for (SessionRecord r : records) {
      Session s = new Session();
      s.lastSeenMs = r.getLastSeenMs();
      s.answeredBelow = r.getAnsweredBelow();
      r.getResultsList().forEach(c -> s.results.put(c.getCallId(), c.getResponse()));
      sessions.put(r.getClientId(), s);
    }
    this.lastSweepMs = lastSweepMs;
  }
}
