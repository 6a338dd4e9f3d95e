package io.dfs.metadata.rpc;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.client.tls.ServiceIdentity.Role;
import io.dfs.proto.Caller;
import io.dfs.proto.ClientCall;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who a call is made for, as permission checks will see it. With TLS the certificate decides: a
 * metadata peer is a superuser; a client identity the config trusts to speak for its users (the
 * mount's and the gateway's, by default the shared {@code client} one) is believed about the user
 * it names; any other client identity is the user its certificate names. In the clear, what the
 * client says is believed (a trusted network, like HDFS without Kerberos). Superusers are the
 * users named by {@code dfs.permissions.superusers} (default: root and the user the peers run as)
 * and the members of {@code dfs.permissions.supergroup}; {@code dfs.permissions.enabled=false}
 * makes everyone one.
 */
public final class CallerIdentity {
  public static final String ENABLED = "dfs.permissions.enabled";
  public static final String SUPERUSERS = "dfs.permissions.superusers";
  public static final String SUPERGROUP = "dfs.permissions.supergroup";
  public static final String TRUSTED_CLIENTS = "dfs.permissions.trusted.clients";

  private final boolean enabled;
  private final Set<String> superusers;
  private final String supergroup;
  private final Set<String> trustedClients;

  CallerIdentity(boolean enabled, Set<String> superusers, String supergroup, Set<String> trustedClients) {
    this.enabled = enabled;
    this.superusers = superusers;
    this.supergroup = supergroup;
    this.trustedClients = trustedClients;
  }

  public static CallerIdentity fromConfig(ClusterConfig config) {
    return new CallerIdentity(Boolean.parseBoolean(config.get(ENABLED).orElse("true")),
        // as on HDFS, the user the metadata service runs as is a superuser (and root)
        list(config.get(SUPERUSERS).orElse("root," + System.getProperty("user.name"))),
        config.get(SUPERGROUP).orElse("supergroup"),
        list(config.get(TRUSTED_CLIENTS).orElse(io.dfs.client.tls.ClusterTls.DEFAULT_CLIENT_IDENTITY)));
  }

  private static Set<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
  }

  /**
   * The call as it will be checked: its request carries the caller established here (whatever the
   * client put there is replaced) and no longer the client's claim.
   *
   * @param certified the connection's certificate identity, or null in the clear
   */
  ClientCall stamp(ClientCall call, ServiceIdentity certified) {
    Caller caller = of(call.getClaimed(), certified);
    return call.toBuilder().clearClaimed().setRequest(call.getRequest().toBuilder().setCaller(caller)).build();
  }

  Caller of(Caller claimed, ServiceIdentity certified) {
    Caller.Builder c;
    if (certified == null || (certified.role() == Role.CLIENT && trustedClients.contains(certified.name()))) {
      c = Caller.newBuilder().addAllUsers(claimed.getUsersList()).addAllGroups(claimed.getGroupsList());
    } else if (certified.role() == Role.PEER) {
      return Caller.newBuilder().addUsers(certified.name()).setSuperuser(true).build();
    } else {
      c = Caller.newBuilder().addUsers(certified.name());
    }
    boolean superuser = !enabled || c.getUsersList().stream().anyMatch(superusers::contains)
        || c.getGroupsList().contains(supergroup);
    return c.setSuperuser(superuser).build();
  }
}
