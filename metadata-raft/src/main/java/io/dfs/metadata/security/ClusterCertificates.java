package io.dfs.metadata.security;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.client.tls.ServiceIdentity.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificates a cluster config calls for: one per metadata peer and storage node, for the
 * host the config gives it, and the client identity ({@code dfs.tls.identity}, default
 * {@code client}) that the CLI, the mount, the gateway and applications present.
 */
public final class ClusterCertificates {
  private static final Pattern NODE_HOST = Pattern.compile("dfs\\.storage\\.([^.]+)\\.host");

  private ClusterCertificates() {}

  /** Every identity the config names, with the hosts its certificate must cover. */
  public static List<Issued> identities(ClusterConfig config) {
    List<Issued> all = new ArrayList<>();
    for (PeerAddress p : config.metadataPeers()) {
      List<String> hosts = new ArrayList<>(List.of(p.host()));
      String rpcHost = config.rpcAddress(p.id()).host();
      if (!hosts.contains(rpcHost)) {
        hosts.add(rpcHost);
      }
      all.add(new Issued(new ServiceIdentity(p.id(), Role.PEER), hosts));
    }
    for (String key : config.properties().stringPropertyNames().stream().sorted().toList()) {
      Matcher m = NODE_HOST.matcher(key);
      if (m.matches()) {
        all.add(new Issued(new ServiceIdentity(m.group(1), Role.NODE), List.of(config.get(key).orElseThrow())));
      }
    }
    String client = config.get(ClusterTls.CLIENT_IDENTITY).orElse(ClusterTls.DEFAULT_CLIENT_IDENTITY);
    all.add(new Issued(new ServiceIdentity(client, Role.CLIENT), List.of()));
    return all;
  }

  /** An identity and the hosts its certificate covers. */
  public record Issued(ServiceIdentity identity, List<String> hosts) {}

  /**
   * Issues, into the config's {@code dfs.tls.dir} (the authority is created there first if it has
   * none), the certificate of every identity that has none yet; returns those issued now. Nothing
   * when the config has no {@code dfs.tls.dir}.
   */
  public static List<Issued> issueMissing(ClusterConfig config) throws IOException {
    Path dir = config.get(ClusterTls.DIR).filter(d -> !d.isBlank()).map(Path::of).orElse(null);
    if (dir == null) {
      return List.of();
    }
    CertificateAuthority authority = CertificateAuthority.openOrCreate(dir);
    List<Issued> issued = new ArrayList<>();
    for (Issued i : identities(config)) {
      if (!Files.exists(ClusterTls.certificateFile(dir, i.identity().name()))) {
        authority.issue(i.identity(), i.hosts());
        issued.add(i);
      }
    }
    return issued;
  }
}
