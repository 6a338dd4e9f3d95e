package io.dfs.client.metadata;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this client's leases alive while it has files open for writing: the leader completes the
 * files of a writer it has not heard from for its hard limit (60 s by default), so a client renews
 * well within it. Writes renew too; this covers a writer that is open but quiet.
 */
public final class LeaseRenewer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewer.class);
  static final long RENEW_EVERY_MS = 1_000;

  /** A renewal sent to the metadata leader. */
  interface Renewal {
    void send() throws IOException;
  }

  private final String clientId;
  private final Renewal renewal;
  private int open;
  private ScheduledExecutorService timer;
  private ScheduledFuture<?> task;

  LeaseRenewer(String clientId, Renewal renewal) {
    this.clientId = clientId;
    this.renewal = renewal;
  }

  /** A stream opened a file for writing. */
  public synchronized void acquired() {
    if (open++ == 0) {
      if (timer == null) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "lease-renewer-" + clientId);
          t.setDaemon(true);
          return t;
        });
      }
      task = timer.scheduleWithFixedDelay(this::renew, RENEW_EVERY_MS, RENEW_EVERY_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** A stream closed (or gave up) its file. */
  public synchronized void released() {
    if (open > 0 && --open == 0 && task != null) {
      task.cancel(false);
      task = null;
    }
  }

  private void renew() {
    try {
      renewal.send();
    } catch (IOException | RuntimeException e) {
      LOG.warn("lease renewal of {} failed (retried in {} ms): {}", clientId, RENEW_EVERY_MS, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
