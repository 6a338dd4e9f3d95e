package io.dfs.metadata.security;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.PemFiles;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.client.tls.ServiceIdentity.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificates a cluster config calls for: one per metadata peer and storage node, for the
 * host the config gives it, and the client identity ({@code dfs.tls.identity}, default
 * {@code client}) that the CLI, the mount, the gateway and applications present.
 */
public final class ClusterCertificates {
  /** The gateway serves HTTPS (with the certificate {@link #GATEWAY_IDENTITY}) rather than HTTP. */
  public static final String GATEWAY_HTTPS = "dfs.gateway.https";
  public static final String GATEWAY_IDENTITY = "gateway";
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
    // a client process serves only its metrics, on loopback (the mount's, for the gateway on its host)
    all.add(new Issued(new ServiceIdentity(client, Role.CLIENT), List.of("localhost")));
    if (gatewayHttps(config)) {
      String host = config.get("dfs.gateway.host").orElse("127.0.0.1");
      all.add(new Issued(new ServiceIdentity(GATEWAY_IDENTITY, Role.WEB),
          host.equals("localhost") ? List.of(host) : List.of(host, "localhost")));
    }
    return all;
  }

  /** Whether the config has the gateway serve HTTPS. */
  public static boolean gatewayHttps(ClusterConfig config) {
    return Boolean.parseBoolean(config.get(GATEWAY_HTTPS).orElse("false"));
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
      if (!covers(ClusterTls.certificateFile(dir, i.identity().name()), i.hosts())) {
        authority.issue(i.identity(), i.hosts());
        issued.add(i);
      }
    }
    return issued;
  }

  /**
   * Whether a certificate exists and names every host (a node moved to another host, or a
   * certificate from a version that issued fewer names, gets a new one).
   */
  private static boolean covers(Path certificate, List<String> hosts) throws IOException {
    if (!Files.exists(certificate)) {
      return false;
    }
    try {
      Set<String> named = new HashSet<>();
      Certificate own = PemFiles.certificates(certificate).iterator().next(); // the chain starts with it
      Collection<List<?>> alternatives = ((X509Certificate) own).getSubjectAlternativeNames();
      if (alternatives != null) {
        alternatives.forEach(n -> named.add(String.valueOf(n.get(1))));
      }
      return named.containsAll(hosts);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
