package io.dfs.deploy.gateway;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.Caller;
import io.netty.handler.codec.http.HttpRequest;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a request is from, by the token it carries, and the client that acts for them: the
 * gateway's own token acts as the user the gateway runs as, a user's token ({@link GatewayUsers})
 * as that user. Each user gets a client of their own the first time they call (their calls name
 * them to the metadata service, which believes the gateway's trusted certificate), kept until
 * the gateway stops.
 */
final class GatewayCallers implements Closeable {
  private final ClusterConfig config;
  private final GatewayToken own;
  private final GatewayUsers users;
  private final Caller ownUser;
  private final DfsClient ownClient;
  private final Map<Caller, DfsClient> clients = new ConcurrentHashMap<>();

  GatewayCallers(ClusterConfig config, GatewayToken own, GatewayUsers users, DfsClient ownClient) {
    this.config = config;
    this.own = own;
    this.users = users;
    this.ownClient = ownClient;
    this.ownUser = ownClient.metadata().user();
  }

  /** The user the request's token names; empty without a token the gateway knows. */
  Optional<Caller> callerOf(HttpRequest r) throws IOException {
    Optional<String> token = GatewayToken.presented(r);
    return token.isPresent() ? callerOf(token.get()) : Optional.empty();
  }

  Optional<Caller> callerOf(String token) throws IOException {
    return own.matches(token) ? Optional.of(ownUser) : users.userOf(token);
  }

  /** The file system as {@code caller} sees it. */
  DfsFileSystem fileSystemOf(Caller caller) {
    if (caller.equals(ownUser)) {
      return ownClient;
    }
    return clients.computeIfAbsent(caller, c -> new DfsClient(config,
        "gateway-" + ProcessHandle.current().pid() + "-" + c.getUsers(0), c));
  }

  @Override
  public void close() throws IOException {
    for (DfsClient c : clients.values()) {
      c.close();
    }
    clients.clear();
  }
}
