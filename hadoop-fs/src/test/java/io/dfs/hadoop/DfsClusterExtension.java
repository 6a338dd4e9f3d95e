package io.dfs.hadoop;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real cluster for one test class: started before its first test, checked for deadlocks and closed after its last. */
public final class DfsClusterExtension implements BeforeAllCallback, AfterAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    DfsContract.createCluster();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    DfsContract.destroyCluster();
  }
}
