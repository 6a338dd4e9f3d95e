package io.dfs.client.config;

/** One metadata peer: its Raft peer id and the host:port its Raft RPC listens on. */
public record PeerAddress(String id, String host, int port) {
  public PeerAddress {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("peer id must not be empty");
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port + " for peer " + id);
    }
  }

  public String hostPort() {
    return host + ":" + port;
  }

  /** Parses {@code id=host:port}. */
  public static PeerAddress parse(String spec) {
    String s = spec.trim();
    int eq = s.indexOf('=');
    int colon = s.lastIndexOf(':');
    if (eq <= 0 || colon < eq) {
      throw new IllegalArgumentException("peer must be id=host:port, got '" + spec + "'");
    }
    return new PeerAddress(s.substring(0, eq), s.substring(eq + 1, colon),
        Integer.parseInt(s.substring(colon + 1)));
  }

  @Override
  public String toString() {
    return id + "=" + hostPort();
  }
}
