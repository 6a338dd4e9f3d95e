package io.dfs.deploy.security;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.deploy.gateway.GatewayUsers;
import io.dfs.metadata.security.CertificateAuthority;
import io.dfs.metadata.security.ClusterCertificates;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code dfs security init|issue}: the cluster's TLS certificates, into the config's
 * {@code dfs.tls.dir}; {@code dfs security gateway-user}: the gateway's users and their tokens.
 */
@Command(name = "dfs security", mixinStandardHelpOptions = true,
    description = "Issue the cluster's TLS certificates (into the config's dfs.tls.dir) and the gateway's user tokens.",
    subcommands = {SecurityCommand.Init.class, SecurityCommand.Issue.class, SecurityCommand.GatewayUser.class})
public final class SecurityCommand {
  @Option(names = "--config", required = true, scope = ScopeType.INHERIT, description = "cluster.properties")
  Path configFile;

  @Spec CommandSpec spec;

  /** The config, which must name where the certificates go. */
  ClusterConfig tlsConfig() throws IOException {
    ClusterConfig c = ClusterConfig.load(configFile);
    if (c.get(ClusterTls.DIR).filter(d -> !d.isBlank()).isEmpty()) {
      throw new IOException(configFile + " sets no " + ClusterTls.DIR + ": add " + ClusterTls.DIR
          + "=/etc/dfs/tls (the same path on every host) and run this again");
    }
    return c;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the cluster's authority (ca.crt, ca.key) unless it exists, and a certificate for every "
          + "metadata peer, storage node and the client identity the config names (and the gateway's, with "
          + "dfs.gateway.https) that has none or one that no longer names its hosts.",
          "Then copy ca.crt and each host's own <id>.crt and <id>.key (client.crt and client.key to client hosts) "
              + "to the same path on that host; keep ca.key off the cluster's hosts."})
  static final class Init implements Callable<Integer> {
    @ParentCommand SecurityCommand parent;

    @Override
    public Integer call() throws Exception {
      ClusterConfig config = parent.tlsConfig();
      List<ClusterCertificates.Issued> issued = ClusterCertificates.issueMissing(config);
      for (ClusterCertificates.Issued i : issued) {
        parent.out().printf("issued %-12s %-6s %s%n", i.identity().name(),
            i.identity().role().name().toLowerCase(Locale.ROOT), String.join(",", i.hosts()));
      }
      parent.out().printf("%d certificates issued in %s%n", issued.size(), config.get(ClusterTls.DIR).orElseThrow());
      return 0;
    }
  }

  @Command(name = "issue", mixinStandardHelpOptions = true,
      description = "Issue (or replace) one certificate: a storage node added later, a user's client identity.")
  static final class Issue implements Callable<Integer> {
    @ParentCommand SecurityCommand parent;

    @Parameters(paramLabel = "NAME", description = "the peer or node id, or a client identity")
    String name;

    @Option(names = "--role", required = true, description = "peer, node, client or web (a server certificate only)")
    ServiceIdentity.Role role;

    @Option(names = "--host", description = "a host name or address it serves on (repeat for more; peers and nodes)")
    List<String> hosts = List.of();

    @Override
    public Integer call() throws Exception {
      Path dir = Path.of(parent.tlsConfig().get(ClusterTls.DIR).orElseThrow());
      CertificateAuthority.openOrCreate(dir).issue(new ServiceIdentity(name, role), hosts);
      parent.out().printf("issued %s (%s) in %s%n", name, role.name().toLowerCase(Locale.ROOT), dir);
      return 0;
    }
  }

  @Command(name = "gateway-user", mixinStandardHelpOptions = true,
      description = {"Give a user a token of their own for the HTTP gateway (printed once; a user who had one gets a "
          + "new one and the old one stops working), or take it away with --revoke.",
          "The gateway makes that user's requests as that user, so the cluster's permissions apply to them. "
              + "Takes effect at once: the gateway rereads dfs.gateway.users.file when it changes."})
  static final class GatewayUser implements Callable<Integer> {
    @ParentCommand SecurityCommand parent;

    @Parameters(paramLabel = "USER", description = "the user the gateway acts as for this token")
    String user;

    @Option(names = "--groups", split = ",", description = "the user's groups, comma-separated")
    List<String> groups = List.of();

    @Option(names = "--revoke", description = "take the user's token away")
    boolean revoke;

    @Override
    public Integer call() throws Exception {
      ClusterConfig config = ClusterConfig.load(parent.configFile);
      Path file = config.get(GatewayUsers.FILE).map(Path::of).orElseThrow(() -> new IOException(
          parent.configFile + " sets no " + GatewayUsers.FILE + ": add one (e.g. /etc/dfs/gateway.users) and run this "
              + "again"));
      if (revoke) {
        boolean had = GatewayUsers.revoke(file, user);
        parent.out().println(had ? "revoked the gateway token of " + user : user + " had no gateway token");
        return had ? 0 : 1;
      }
      parent.out().println(GatewayUsers.issue(file, user, groups));
      return 0;
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SecurityCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}
