package io.dfs.fuse;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.error.StorageException;
import io.dfs.client.fs.AttributeUpdate;
import io.dfs.client.fs.PathNames;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes files in the background after close(2), the way a local file system writes its page
 * cache back: {@code close} returns once the file's last bytes are handed over, and the pipeline
 * flush and the namespace completion run here, many files at a time, so a sequential writer (tar,
 * cp -r, git checkout) is not held up by two consensus rounds and a pipeline round trip per file.
 *
 * <p>What the mount promises stays the same for its own users: every later operation on a path
 * that is still being completed (open, rename, unlink, chmod, truncate, fsync, ...) waits for the
 * completion first, and {@code stat} shows the file as written. Durability is what a local disk
 * gives: {@code fsync} waits for the completion and reports its failure. A completion that fails
 * with nobody waiting (every storage node of the file gone) is logged, counted, and returned as EIO
 * by the next {@code fsync} of that path; a new file whose write-back failed is removed, an
 * overwritten one keeps its old content. Unmount waits for
 * everything. At most {@link #MAX_IN_FLIGHT} files are in flight; a writer past that waits.
 *
 * <p>Switched off ({@code dfs.mount.writeback=false}), a completion runs in {@code close} itself and
 * {@code close} reports its failure: every close then costs the pipeline flush and a consensus
 * round, for applications that rely on close rather than fsync for durability.
 */
final class WriteBehind implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteBehind.class);
  static final int MAX_IN_FLIGHT = 32;
  /**
   * One per file in flight: a completion mostly waits (for its create and completion to ride in a
   * Raft entry, for the pipeline's acknowledgements), about 45 ms under tar; eight threads held
   * tar at about 8 / 45 ms = 180 files/s while close(2) waited for a slot.
   */
  private static final int THREADS = MAX_IN_FLIGHT;

  /**
   * The background part of a file's completion; returns the file as completed. {@code inBackground}:
   * it runs here, where nobody waits for it, rather than in the caller's close.
   */
  interface Completion {
    FileStatus complete(boolean inBackground) throws IOException;

    /** See {@link io.dfs.client.fs.DfsOutputStream#addToCompletion}. */
    default boolean addToCompletion(UnaryOperator<AttributeUpdate> change, String destination) {
      return false;
    }
  }

  /** A file being completed here; a rename riding with its completion moves it to another path. */
  private static final class Pending {
    final Completion completion;
    final CompletableFuture<FileStatus> done = new CompletableFuture<>();
    volatile String path;
    volatile FileStatus shown;
    /** The path a rename riding with the completion leaves, or null. */
    volatile String vacated;

    Pending(String path, FileStatus shown, Completion completion) {
      this.path = path;
      this.shown = shown;
      this.completion = completion;
    }
  }

  /**
   * Guards moving a pending file to another path against its worker removing it. Taken before a
   * stream's own completion lock (adding the rename to it), never the other way round.
   */
  private final Object moves = new Object();
  /**
   * Files whose rename rides with their completion, by the path they leave. Until it is applied
   * the cluster still has them there: an entry made at that path, a change of either directory's
   * attributes (the rename changes their times), or the removal of the directory left waits for it.
   */
  private final Map<String, Pending> vacating = new ConcurrentHashMap<>();

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, IOException> failures = new ConcurrentHashMap<>();
  private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
  private final ExecutorService workers;
  private final MetricRegistry metrics;
  private final Consumer<FileStatus> onCompleted;
  private final Consumer<String> onFailed;
  private final boolean enabled;

  /**
   * {@code onCompleted} gets every file completed here, {@code onFailed} the path of every one
   * that failed (for the mount's attribute cache).
   */
  WriteBehind(boolean enabled, MetricRegistry metrics, Consumer<FileStatus> onCompleted,
      Consumer<String> onFailed) {
    this.enabled = enabled;
    this.metrics = metrics;
    this.onCompleted = onCompleted;
    this.onFailed = onFailed;
    this.workers = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "write-behind");
      t.setDaemon(true);
      return t;
    });
    metrics.gauge("fuse.writeback.in_flight", () -> () -> pending.size());
  }

  /**
   * Hands a file's completion to the background. {@code shown} is what stat reports until it is
   * done. Waits while {@link #MAX_IN_FLIGHT} files are in flight, and for an earlier completion of
   * the same path.
   */
  void submit(String path, FileStatus shown, Completion completion) throws IOException {
    Pending earlier = pending.get(path);
    if (earlier != null) {
      join(earlier.done);
    }
    if (!enabled) {
      try {
        onCompleted.accept(completion.complete(false));
      } catch (IOException | RuntimeException e) {
        onFailed.accept(path);
        throw e;
      }
      return;
    }
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while handing over " + path);
    }
    failures.remove(path); // a new file now: the failure of an earlier one here was logged and counted
    Pending mine = new Pending(path, shown, completion);
    pending.put(path, mine);
    metrics.meter("fuse.writeback.files").mark();
    workers.execute(() -> {
      FileStatus completed = null;
      Exception failure = null;
      try (var timer = metrics.timer("fuse.writeback.complete").time()) {
        completed = completion.complete(true);
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      String now; // where the file is by now: a rename may have ridden with the completion
      synchronized (moves) {
        now = mine.path;
        pending.remove(now, mine);
        if (mine.vacated != null) {
          vacating.remove(mine.vacated, mine);
        }
      }
      slots.release();
      // whoever waited on it is released last: by then it no longer sees the pending view
      if (failure == null) {
        onCompleted.accept(completed);
        mine.done.complete(completed);
      } else {
        metrics.counter("fuse.writeback.errors").inc();
        LOG.warn("{}: writing back after close failed; the next fsync of it reports EIO", now, failure);
        failures.put(now, failure instanceof IOException io ? io
            : new StorageException(ErrorCode.IO_ERROR, "write-back failed: " + failure, now));
        onFailed.accept(now);
        mine.done.completeExceptionally(failure);
      }
    });
  }

  /** What stat shows for a file still being completed, else null. */
  FileStatus shown(String path) {
    Pending p = pending.get(path);
    return p == null ? null : p.shown;
  }

  boolean isPending(String path) {
    return pending.containsKey(path);
  }

  /**
   * An attribute change of a file still being completed rides with its completion, unless that
   * was sent already (false: the caller waits for it and applies the change itself).
   */
  boolean addAttributes(String path, UnaryOperator<AttributeUpdate> change) {
    Pending p = pending.get(path);
    if (p == null || !p.completion.addToCompletion(change, null)) {
      return false;
    }
    p.shown = change.apply(AttributeUpdate.NONE).appliedTo(p.shown);
    return true;
  }

  /**
   * A rename of a file still being completed rides with its completion (the caller knows it will
   * succeed): the file is shown, awaited and reported under {@code to} from now on. Its
   * completion's future, or null when it was sent already (rename it the ordinary way).
   */
  CompletableFuture<FileStatus> renameWithCompletion(String from, String to) {
    synchronized (moves) {
      Pending p = pending.get(from);
      if (p == null || pending.containsKey(to) || vacating.containsKey(to)
          || !p.completion.addToCompletion(UnaryOperator.identity(), to)) {
        return null;
      }
      pending.remove(from, p);
      p.path = to;
      p.vacated = from;
      p.shown = p.shown.toBuilder().setPath(to).build();
      pending.put(to, p);
      vacating.put(from, p);
      return p.done;
    }
  }

  /**
   * Waits until the path's completion, if any, is done (successfully or not), and the rename of a
   * file that left the path riding with its completion.
   */
  void await(String path) throws IOException {
    Pending p = pending.get(path);
    if (p != null) {
      join(p.done);
    }
    Pending left = vacating.get(path);
    if (left != null) {
      join(left.done);
    }
  }

  /**
   * Waits for the completions of the file with {@code inodeId} under any name (hard links);
   * true when there was one.
   */
  boolean awaitInode(long inodeId) throws IOException {
    boolean any = false;
    for (Pending p : pending.values()) {
      if (p.shown.getInodeId() == inodeId) {
        join(p.done);
        any = true;
      }
    }
    return any;
  }

  /** Waits for the renames riding with completions that take a name from or give one to {@code dir}. */
  void awaitRenamesIn(String dir) throws IOException {
    for (Pending p : vacating.values()) {
      String from = p.vacated;
      if (from != null && (dir.equals(PathNames.parentOf(from)) || dir.equals(PathNames.parentOf(p.path)))) {
        join(p.done);
      }
    }
  }

  /** Waits for the path's completion and reports, once, a completion of it that failed. */
  void awaitAndReport(String path) throws IOException {
    await(path);
    IOException failed = failures.remove(path);
    if (failed != null) {
      throw failed;
    }
  }

  /** Waits for every completion at or below {@code path} (rename or removal of a directory). */
  void awaitTree(String path) throws IOException {
    String prefix = path.equals("/") ? "/" : path + "/";
    List<String> below = java.util.stream.Stream.concat(pending.keySet().stream(), vacating.keySet().stream())
        .filter(k -> k.equals(path) || k.startsWith(prefix)).distinct().toList();
    for (String p : below) {
      await(p);
    }
  }

  /** Waits for everything handed over so far (unmount, statfs). */
  void awaitAll() throws IOException {
    awaitTree("/");
  }

  private static void join(CompletableFuture<FileStatus> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a write-back");
    } catch (java.util.concurrent.ExecutionException e) {
      // the failure is reported through failures, once, to the first waiter that asks for it
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      awaitAll();
    } catch (IOException e) {
      LOG.warn("write-back failures at unmount", e);
    }
    workers.shutdown();
    workers.awaitTermination(1, TimeUnit.MINUTES);
  }
}
