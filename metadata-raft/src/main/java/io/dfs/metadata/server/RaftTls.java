package io.dfs.metadata.server;

import io.dfs.client.tls.ClusterTls;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Ratis' gRPC with the peer's certificate: mutual TLS between peers (log replication, votes,
 * snapshots) and for Raft clients (leadership transfer), trusting only the cluster's authority.
 */
public final class RaftTls {
  private RaftTls() {}

  /** Ratis parameters that turn TLS on for the server, its clients and its admin calls; none in the clear. */
  public static Parameters parameters(ClusterTls tls) {
    Parameters p = new Parameters();
    if (tls.enabled()) {
      GrpcTlsConfig conf = new GrpcTlsConfig(tls.keyManagers().getKeyManagers()[0],
          tls.trustManagers().getTrustManagers()[0], true);
      GrpcConfigKeys.Server.setTlsConf(p, conf);
      GrpcConfigKeys.Client.setTlsConf(p, conf);
      GrpcConfigKeys.Admin.setTlsConf(p, conf);
    }
    return p;
  }
}
