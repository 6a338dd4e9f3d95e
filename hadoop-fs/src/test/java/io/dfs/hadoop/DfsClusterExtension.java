package io.dfs.hadoop;

import io.dfs.metadata.testing.DeadlockCheck;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real cluster for the binding's test classes: one for every class of the run (they share a
 * JVM, see this module's pom), started before the first and closed after the last. After each
 * class nothing may be deadlocked and its clients are closed, so the next class starts with
 * fresh ones. Starting a cluster per class took about a quarter of the module's time.
 */
public final class DfsClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace SHARED = ExtensionContext.Namespace.create(DfsClusterExtension.class);

  /** Closed by JUnit when the whole run ends. */
  private static final class SharedCluster implements ExtensionContext.Store.CloseableResource {
    SharedCluster() {
      try {
        DfsContract.createCluster();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws Throwable {
      DfsContract.destroyCluster();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(SHARED).getOrComputeIfAbsent(SharedCluster.class);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    DeadlockCheck.assertNoDeadlock();
    FileSystem.closeAll();
  }
}
