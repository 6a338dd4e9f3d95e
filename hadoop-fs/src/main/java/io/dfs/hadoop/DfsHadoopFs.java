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
    // The authority names a cluster, not a host, so there is no port to default: Hadoop's check of
    // an "authority needed" URI wants one. DfsHadoopFileSystem itself refuses a URI without a name.
    super(uri, new DfsHadoopFileSystem(), conf, ClusterLocator.SCHEME, false);
  }
}
