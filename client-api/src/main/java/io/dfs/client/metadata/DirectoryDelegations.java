package io.dfs.client.metadata;

import io.dfs.client.error.DfsException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.fs.PathNames;
import io.dfs.proto.DelegationGrant;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.RenewLeaseResponse;
import io.dfs.proto.ReturnDelegationRequest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directories delegated to this client's session (DelegateRequest in namespace.proto): while
 * it holds one, nobody else adds or removes names there, so this client knows every name in it,
 * decides an exclusive create or mkdir alone and sends it without waiting, with an inode id its
 * session's grants reserved. A directory it makes that way is its own from the start, so a tree
 * (tar) is made without waiting for any of it. It asks for a directory it keeps creating files in
 * (or makes with mkdir), renews its holds every {@link #RENEW_EVERY_MS}, stops using a hold it
 * could not renew for {@link #VALID_FOR_MS}, and gives a directory back once idle for
 * {@link #IDLE_RETURN_MS} or recalled by the leader for another client, each time only after its
 * own writes there were answered.
 *
 * <p>The reserved ids are the session's, not a directory's: the leader drops them when the session
 * holds no directory any more, so this client drops its own then too (and keeps only those each
 * renewal lists); it asks for more before it runs out.
 *
 * <p>Its monitor guards the tables; nothing is sent while holding it.
 */
public final class DirectoryDelegations implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryDelegations.class);
  public static final long RENEW_EVERY_MS = 500;
  /**
   * Half the leader's delegation lease (LeaseManager.DELEGATION_LEASE_MS, 5 s): a hold not renewed
   * for this long is not used, so it is never used after the leader may have taken it back.
   */
  static final long VALID_FOR_MS = 2_500;
  static final long IDLE_RETURN_MS = 2_000;
  /** Creates by this client in a directory, each within a second of the last, before it asks for it. */
  static final int CREATES_BEFORE_ASKING = 2;
  /**
   * How long this client does not ask again for a directory another client also changes (its hold
   * was recalled, or its own write there found the other's): a hold passed back and forth would
   * cost each side a recall, about half a second, every few files.
   */
  static final long CONTENDED_BACKOFF_MS = 30_000;

  /**
   * Ids left below which this client asks for more: a tar makes a few hundred entries a second, and
   * the ask takes one round trip.
   */
  static final int REFILL_BELOW = 512;

  /** A write this client may send without waiting: a create's or mkdir's (the inode id it takes), or an attribute change's (0). */
  public record Claim(String dir, long inodeId) {}

  private static final class Held {
    final long dirId;
    final Set<String> names;
    int pending;
    /** The latest write sent here without waiting: once answered, every earlier one is (they are applied in order). */
    CompletableFuture<?> lastWrite = CompletableFuture.completedFuture(null);
    long lastUsedNanos = System.nanoTime();
    boolean returning;
    /**
     * Since when the leader has it (its grant answered): a renewal read before then may not list
     * it. A directory made here without waiting is held before the leader applied its mkdir.
     */
    long confirmedNanos;
    boolean confirmed;

    Held(long dirId, Set<String> names) {
      this.dirId = dirId;
      this.names = new HashSet<>(names);
    }

    /** A write was claimed here: it is pending, and the hold is in use. */
    void claimed() {
      pending++;
      lastUsedNanos = System.nanoTime();
    }

    void confirm() {
      confirmedNanos = System.nanoTime();
      confirmed = true;
    }
  }

  /** Inode ids [next, end) reserved for this session, received at {@code receivedNanos}. */
  private static final class IdRange {
    final long first;
    long next;
    final long end;
    final long receivedNanos = System.nanoTime();

    IdRange(long first, long count) {
      this.first = first;
      this.next = first;
      this.end = first + count;
    }
  }

  private record Recent(int creates, long lastNanos) {}

  private final Function<MetaRequest, CompletableFuture<MetaResponse>> write;
  private final RenewalSender renewal;
  /** Sends the client's queued background writes now: someone waits for them. */
  private final Runnable expedite;
  private final Map<String, Held> held = new HashMap<>();
  private final Map<String, Recent> recent = new HashMap<>();
  /** Directories another client also changes: not asked for until then (System.nanoTime). */
  private final Map<String, Long> contendedUntil = new HashMap<>();
  /** Directories this client asked for and has no answer for yet, with its name changes there since. */
  private final Map<String, List<NameChange>> asking = new HashMap<>();
  /** This session's reserved inode ids, used oldest first. */
  private final Deque<IdRange> ids = new ArrayDeque<>();
  /** Counts the times the ids were dropped: more ids asked for before the last drop are not used. */
  private long idsDropped;
  private boolean refilling;
  private long validUntilNanos;
  private ScheduledExecutorService timer;
  private boolean closed;
  private volatile boolean enabled;
  /** Creates this client sent without waiting (a rate meter). */
  private final com.codahale.metrics.Meter claims;

  /** Sends this session's renewal to the leader and returns what it holds and what is recalled. */
  interface RenewalSender {
    RenewLeaseResponse renew() throws IOException;
  }

  DirectoryDelegations(Function<MetaRequest, CompletableFuture<MetaResponse>> write, RenewalSender renewal,
      Runnable expedite, com.codahale.metrics.MetricRegistry metrics) {
    this.write = write;
    this.expedite = expedite;
    this.renewal = renewal;
    this.validUntilNanos = System.nanoTime() - 1; // nothing is used before a grant or a renewal
    this.claims = metrics.meter("client.delegations.creates_sent");
    metrics.gauge("client.delegations.held", () -> this::size);
  }

  /** From now on this client asks for directories it creates in (the mount, with write-behind). */
  public void enable() {
    enabled = true;
  }

  public boolean enabled() {
    return enabled;
  }

  /**
   * Follows a write of this client that succeeded: the names it added or removed in directories
   * held here, a directory granted with its mkdir, and creates the ordinary way that make this
   * client ask for their directory.
   */
  void applied(MetaRequest request, MetaResponse response) {
    if (!enabled) {
      return;
    }
    if (request.getOpCase() == MetaRequest.OpCase.BATCH) {
      List<MetaRequest> each = request.getBatch().getRequestsList();
      for (int i = 0; i < each.size() && i < response.getBatch().getResponsesCount(); i++) {
        if (!response.getBatch().getResponses(i).hasError()) {
          applied(each.get(i), response.getBatch().getResponses(i));
        }
      }
      return;
    }
    switch (request.getOpCase()) {
      case MKDIR -> {
        added(request.getMkdir().getPath());
        if (response.hasDelegation() && request.getMkdir().getInodeId() == 0) { // else held since sent
          granted(request.getMkdir().getPath(), response.getDelegation(), List.of());
        }
      }
      case CREATE -> {
        if (request.getCreate().getInodeId() == 0) {
          created(PathNames.parentOf(request.getCreate().getPath()), PathNames.nameOf(request.getCreate().getPath()));
        }
      }
      case SYMLINK -> added(request.getSymlink().getPath());
      case MKNOD -> added(request.getMknod().getPath());
      case LINK -> added(request.getLink().getPath());
      case DELETE -> {
        removed(request.getDelete().getPath());
        moved(request.getDelete().getPath());
      }
      case RENAME -> {
        removed(request.getRename().getSource());
        moved(request.getRename().getSource());
        moved(request.getRename().getDestination());
        added(request.getRename().getDestination());
      }
      case REPLACE_CONTENT -> removed(request.getReplaceContent().getSource());
      default -> {
        // no name added or removed
      }
    }
  }

  private synchronized void added(String path) {
    nameChanged(PathNames.parentOf(path), PathNames.nameOf(path), true);
  }

  private synchronized void removed(String path) {
    nameChanged(PathNames.parentOf(path), PathNames.nameOf(path), false);
  }

  /**
   * One of this client's writes that succeeded added or removed a name. While this client asks
   * for the directory, the change is kept for the grant: the grant lists the names as of its own
   * entry, and this write's answer may be handled before the grant's though it was applied after.
   */
  private void nameChanged(String dir, String name, boolean added) {
    Held h = held.get(dir);
    if (h != null) {
      if (added) {
        h.names.add(name);
      } else {
        h.names.remove(name);
      }
      return;
    }
    List<NameChange> changes = asking.get(dir);
    if (changes != null) {
      changes.add(new NameChange(name, added));
    }
  }

  private record NameChange(String name, boolean added) {}

  /**
   * The inode id for a new entry (file or directory) at {@code path} when this client holds its
   * directory and has an id left (the name is then taken), null when it does not;
   * {@link PathExistsException} when the name exists there.
   */
  public Claim claim(String path) throws DfsException {
    Claim c = null;
    boolean refill;
    synchronized (this) {
      PathNames.components(path); // what the namespace would refuse, refused now as it would be
      String dir = PathNames.parentOf(path);
      String name = PathNames.nameOf(path);
      Held h = usable(dir);
      if (h == null) {
        return null;
      }
      IdRange range = ids.peekFirst();
      if (range != null) {
        if (h.names.contains(name)) {
          throw new PathExistsException("file exists", path);
        }
        h.names.add(name);
        h.claimed();
        claims.mark();
        c = new Claim(dir, range.next++);
        if (range.next == range.end) {
          ids.removeFirst();
        }
      }
      refill = !refilling && idsLeft() < REFILL_BELOW;
      refilling |= refill;
    }
    if (refill) {
      refill();
    }
    return c;
  }

  private long idsLeft() {
    return ids.stream().mapToLong(r -> r.end - r.next).sum();
  }

  /**
   * Asks for more ids before this client runs out. Ids granted before this client dropped its
   * own (it then held nothing, and so the leader dropped them too) are not used.
   */
  private void refill() {
    long asked;
    synchronized (this) {
      asked = idsDropped;
    }
    write.apply(MetaRequest.newBuilder().setDelegate(io.dfs.proto.DelegateRequest.newBuilder()).build())
        .whenComplete((response, failure) -> {
          synchronized (this) {
            refilling = false;
            if (failure == null && !response.hasError() && response.hasDelegation() && asked == idsDropped) {
              addIds(response.getDelegation());
            }
          }
        });
  }

  private void addIds(DelegationGrant g) {
    if (g.getInodeIdCount() > 0) {
      ids.addLast(new IdRange(g.getFirstInodeId(), g.getInodeIdCount()));
    }
  }

  /**
   * The mkdir of the claimed directory at {@code path} is on its way: the new directory is this
   * client's from now on (the mkdir asks for it), empty, and its reads wait for the mkdir.
   */
  public void sentMkdir(Claim c, String path, CompletableFuture<?> mkdir) {
    Held child = new Held(c.inodeId(), Set.of());
    child.pending = 1;
    child.lastWrite = mkdir;
    synchronized (this) {
      held.put(path, child);
    }
    sent(c, mkdir);
    mkdir.whenComplete((response, failure) -> {
      synchronized (this) {
        if (held.get(path) != child) {
          return;
        }
        child.pending--;
        if (failure == null) {
          child.confirm();
        } else {
          // never granted: nothing to give back; the creates sent there fail, each reported by its writer
          LOG.warn("{}: a directory made without waiting failed: {}", path, failure.toString());
          child.returning = true;
        }
        if (child.returning && child.pending == 0) {
          forget(path);
        }
      }
    });
  }

  /**
   * Forgets the hold of {@code dir} (given back, taken back or never granted). With no directory
   * held the leader keeps no ids for this session, so neither does this client.
   */
  private void forget(String dir) {
    held.remove(dir);
    if (held.isEmpty()) {
      ids.clear();
      idsDropped++; // and more ids asked for before now are not used: the leader drops them too
    }
  }

  /**
   * An attribute change of the entry at {@code path} this client may send without waiting: it
   * holds the entry's directory, so nobody else can remove or rename the entry meanwhile. Null
   * when it does not.
   */
  public synchronized Claim claimChange(String path) {
    String dir = PathNames.parentOf(path);
    Held h = usable(dir);
    if (PathNames.nameOf(path).isEmpty() || h == null || !h.names.contains(PathNames.nameOf(path))) {
      return null;
    }
    h.claimed();
    return new Claim(dir, 0);
  }

  /**
   * A rename of the file at {@code source} this client may send without waiting: it holds both
   * directories, the source is there and the destination name free (one claim per directory, each
   * to be {@link #sent}); null when it may not. Only for an entry that holds no directory of this
   * client's (a file): holds are kept by path.
   */
  public synchronized List<Claim> claimRename(String source, String destination) {
    if (!PathNames.valid(source) || !PathNames.valid(destination)) {
      return null;
    }
    String fromDir = PathNames.parentOf(source);
    String toDir = PathNames.parentOf(destination);
    Held from = usable(fromDir);
    Held to = usable(toDir);
    String prefix = source + "/";
    if (from == null || to == null || PathNames.nameOf(source).isEmpty() || PathNames.nameOf(destination).isEmpty()
        || !from.names.contains(PathNames.nameOf(source)) || to.names.contains(PathNames.nameOf(destination))
        || held.keySet().stream().anyMatch(d -> d.equals(source) || d.startsWith(prefix))) {
      return null;
    }
    from.names.remove(PathNames.nameOf(source));
    to.names.add(PathNames.nameOf(destination));
    from.claimed();
    if (to == from) {
      return List.of(new Claim(fromDir, 0));
    }
    to.claimed();
    return List.of(new Claim(fromDir, 0), new Claim(toDir, 0));
  }

  /** The claimed write is on its way: {@link #awaitWrites} waits for it, and its answer settles the claim. */
  public void sent(Claim c, CompletableFuture<?> write) {
    Held h;
    synchronized (this) {
      h = held.get(c.dir());
      if (h != null) {
        h.lastWrite = write;
      }
    }
    write.whenComplete((response, failure) -> answered(c.dir(), h, failure == null));
  }

  /**
   * Waits until this client's writes sent without waiting in {@code dir} are answered, so that
   * its own reads of the directory and its entries see them (read-your-writes).
   */
  public void awaitWrites(String dir) throws java.io.InterruptedIOException {
    CompletableFuture<?> last;
    synchronized (this) {
      Held h = held.get(dir);
      if (h == null || h.pending == 0) {
        return;
      }
      last = h.lastWrite;
    }
    expedite.run();
    try {
      last.handle((r, e) -> null).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for writes in " + dir);
    } catch (java.util.concurrent.ExecutionException cannotHappen) {
      throw new IllegalStateException(cannotHappen);
    }
  }

  /** The claimed write was answered; after a failed one the names may be wrong, so the directory goes back. */
  private void answered(String dir, Held h, boolean ok) {
    if (h == null) {
      return;
    }
    Held giveBack = null;
    synchronized (this) {
      h.pending--;
      if (!ok) {
        h.returning = true;
      }
      // the hold it was claimed under, not a later one of the same path (a directory made again)
      if (h.returning && h.pending == 0 && held.get(dir) == h) {
        giveBack = h;
        forget(dir);
      }
    }
    giveBack(giveBack);
  }

  /**
   * This client made an entry in {@code dir} the ordinary way. The second within a second asks
   * for the directory, in the background: the creates after it go without waiting.
   */
  private void created(String dir, String name) {
    boolean ask;
    synchronized (this) {
      if (held.containsKey(dir) || asking.containsKey(dir)) {
        nameChanged(dir, name, true);
        return;
      }
      long now = System.nanoTime();
      Recent r = recent.get(dir);
      int creates = r != null && now - r.lastNanos() < TimeUnit.SECONDS.toNanos(1) ? r.creates() + 1 : 1;
      if (recent.size() > 1024) {
        recent.clear();
      }
      recent.put(dir, new Recent(creates, now));
      Long contended = contendedUntil.get(dir);
      if (contended != null && now - contended > 0) {
        contendedUntil.remove(dir);
        contended = null;
      }
      ask = !closed && contended == null && creates >= CREATES_BEFORE_ASKING
          && asking.putIfAbsent(dir, new ArrayList<>()) == null;
    }
    if (ask) {
      ask(dir);
    }
  }

  /**
   * A directory granted to this client (asked for, or made with mkdir), with this client's name
   * changes there whose answers came while it asked (applying one the grant already lists again
   * changes nothing).
   */
  private void granted(String dir, DelegationGrant grant, List<NameChange> since) {
    synchronized (this) {
      if (closed) {
        return;
      }
      Held h = new Held(grant.getDirId(), new HashSet<>(grant.getNamesList()));
      h.confirm();
      addIds(grant);
      for (NameChange c : since) {
        if (c.added()) {
          h.names.add(c.name());
        } else {
          h.names.remove(c.name());
        }
      }
      held.put(dir, h);
      // the grant is as good as a renewal: the leader cannot take it back before a recall, which
      // comes after the grant, and then only after the lease (twice this) without a renewal
      long now = System.nanoTime();
      if (now + TimeUnit.MILLISECONDS.toNanos(VALID_FOR_MS) - validUntilNanos > 0) {
        validUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(VALID_FOR_MS);
      }
      recent.remove(dir);
      if (timer == null) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "delegations");
          t.setDaemon(true);
          return t;
        });
        timer.scheduleWithFixedDelay(this::renew, 0, RENEW_EVERY_MS, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The directory at {@code path} (and every one below it) is gone or moved: its holds are
   * forgotten here and given back (a hold's names are only right under the path it was taken for).
   */
  private void moved(String path) {
    List<Held> gone = new ArrayList<>();
    synchronized (this) {
      String prefix = path.endsWith("/") ? path : path + "/";
      for (var e : List.copyOf(held.entrySet())) {
        if (e.getKey().equals(path) || e.getKey().startsWith(prefix)) {
          e.getValue().returning = true;
          if (e.getValue().pending == 0) {
            gone.add(e.getValue());
            forget(e.getKey());
          }
        }
      }
    }
    gone.forEach(this::giveBack);
  }

  /**
   * True when {@code path} names nothing: its directory is held here (so every name in it is
   * known) and the name is not one of them. A lookup of a new name (every {@code open(O_CREAT)}
   * through the mount starts with one) then needs no round trip.
   */
  public synchronized boolean knownAbsent(String path) {
    if (PathNames.nameOf(path).isEmpty() || !PathNames.valid(path)) {
      return false; // the root; or a path the namespace refuses, with its own error
    }
    Held h = usable(PathNames.parentOf(path));
    return h != null && !h.names.contains(PathNames.nameOf(path));
  }

  /** The hold of {@code dir} when this client may act on it: not being given back, renewed recently. */
  private Held usable(String dir) {
    Held h = held.get(dir);
    return h == null || h.returning || System.nanoTime() - validUntilNanos > 0 ? null : h;
  }

  /** Another client changes {@code dir} too (this client's write there was refused for its hold). */
  public synchronized void contended(String dir) {
    contendedAt(dir, System.nanoTime());
  }

  private void contendedAt(String dir, long now) {
    if (contendedUntil.size() > 1024) {
      contendedUntil.clear();
    }
    contendedUntil.put(dir, now + TimeUnit.MILLISECONDS.toNanos(CONTENDED_BACKOFF_MS));
  }

  /** Whether this client holds the directory now (for tests and metrics). */
  public synchronized boolean holds(String dir) {
    Held h = held.get(dir);
    return h != null && !h.returning;
  }

  public synchronized int size() {
    return held.size();
  }

  private void ask(String dir) {
    write.apply(MetaRequest.newBuilder().setDelegate(io.dfs.proto.DelegateRequest.newBuilder().setPath(dir)).build())
        .whenComplete((response, failure) -> {
          List<NameChange> since;
          synchronized (this) {
            since = asking.remove(dir);
          }
          if (failure == null && !response.hasError() && response.hasDelegation()) {
            granted(dir, response.getDelegation(), since);
          }
          // refused (held by another client, no permission): this client goes on the ordinary way
        });
  }

  /** One renewal: holds the leader no longer lists are forgotten, recalled ones given back. */
  private void renew() {
    long sent = System.nanoTime();
    RenewLeaseResponse r;
    try {
      r = renewal.renew();
    } catch (IOException | RuntimeException e) {
      LOG.debug("renewing directory delegations failed: {}", e.toString());
      return;
    }
    List<Held> giveBack = new ArrayList<>();
    synchronized (this) {
      validUntilNanos = sent + TimeUnit.MILLISECONDS.toNanos(VALID_FOR_MS);
      Set<Long> stillHeld = new HashSet<>(r.getHeldList());
      Set<Long> recalled = new HashSet<>(r.getRecalledList());
      Set<Long> idRanges = new HashSet<>(r.getIdRangesList());
      // ids the leader no longer lists (taken back with the session's last directory) go; ids
      // granted after the renewal was read may not be listed yet
      ids.removeIf(range -> range.receivedNanos - sent < 0 && !idRanges.contains(range.first));
      long now = System.nanoTime();
      for (var e : List.copyOf(held.entrySet())) {
        Held h = e.getValue();
        if (!h.confirmed || h.confirmedNanos - sent > 0) {
          continue; // the leader may not have it yet when it read this renewal
        }
        boolean wanted = recalled.contains(h.dirId);
        if (wanted) {
          contendedAt(e.getKey(), now);
        }
        if (!stillHeld.contains(h.dirId)) {
          h.returning = true; // taken back (or its directory removed): creates in flight fail alone
          if (h.pending == 0) {
            forget(e.getKey());
          }
          continue;
        }
        if (wanted || now - h.lastUsedNanos > TimeUnit.MILLISECONDS.toNanos(IDLE_RETURN_MS)) {
          h.returning = true;
        }
        if (h.returning && h.pending == 0) {
          giveBack.add(h);
          forget(e.getKey());
        }
      }
    }
    giveBack.forEach(this::giveBack);
  }

  private CompletableFuture<MetaResponse> giveBack(Held h) {
    if (h == null) {
      return CompletableFuture.completedFuture(null);
    }
    return write.apply(MetaRequest.newBuilder().setReturnDelegation(ReturnDelegationRequest.newBuilder().setDirId(h.dirId))
        .build()).whenComplete((response, failure) -> {
          if (failure != null) {
            LOG.debug("returning directory {} failed (the leader takes it back): {}", h.dirId, failure.toString());
          }
        });
  }

  /** Gives every directory back (after the creates in flight), then stops renewing. */
  @Override
  public void close() {
    List<Held> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(held.values());
      held.clear();
      ids.clear();
      if (timer != null) {
        timer.shutdownNow();
      }
    }
    try {
      CompletableFuture.allOf(all.stream().map(this::giveBack).toArray(CompletableFuture[]::new))
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("returning directories at close: {} (the leader takes them back)", e.toString());
    }
  }
}
