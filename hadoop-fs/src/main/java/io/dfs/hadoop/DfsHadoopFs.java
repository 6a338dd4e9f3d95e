package io.dfs.hadoop;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;

/**
 * The {@code dfs://} binding for Hadoop's {@link org.apache.hadoop.fs.FileContext}. Hadoop finds an
 * AbstractFileSystem only through configuration:
 * {@code fs.AbstractFileSystem.dfs.impl=io.dfs.hadoop.DfsHadoopFs}.
 */
public class DfsHadoopFs extends DelegateToFileSystem {
  public DfsHadoopFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
    super(uri, new DfsHadoopFileSystem(), conf, ClusterLocator.SCHEME, true);
  }

  /** No well-known port: the authority names a cluster, not a host. */
  @Override
  public int getUriDefaultPort() {
    return -1;
  }
}
