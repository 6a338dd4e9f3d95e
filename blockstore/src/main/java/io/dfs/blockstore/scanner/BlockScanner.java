package io.dfs.blockstore.scanner;

import io.dfs.blockstore.storage.BlockStore;
import io.dfs.blockstore.storage.Replica;
import io.dfs.blockstore.storage.ReplicaVerifier;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slowly re-reads every replica and checks it against its checksums, so bit rot is found before a
 * reader needs the data: one replica per tick, a whole pass every so often.
 */
public final class BlockScanner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlockScanner.class);

  private final BlockStore store;
  private final Consumer<Replica> onCorrupt;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "block-scanner");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    return t;
  });
  private long cursor = -1;

  public BlockScanner(BlockStore store, Consumer<Replica> onCorrupt) {
    this.store = store;
    this.onCorrupt = onCorrupt;
  }

  public void start(Duration tick) {
    timer.scheduleWithFixedDelay(this::scanNext, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Verifies the replica after the cursor; returns false when there was nothing to scan. */
  public boolean scanNext() {
    var next = store.report().stream().filter(b -> b.getBlockId() > cursor).findFirst();
    if (next.isEmpty()) {
      cursor = -1;
      return false;
    }
    cursor = next.get().getBlockId();
    store.get(cursor).ifPresent(this::verify);
    return true;
  }

  private void verify(Replica r) {
    try {
      if (!ReplicaVerifier.isIntact(r)) {
        LOG.warn("replica of block {} is corrupt", r.block().getBlockId());
        onCorrupt.accept(r);
      }
    } catch (java.io.IOException e) {
      LOG.warn("cannot verify block {}: {}", r.block().getBlockId(), e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
