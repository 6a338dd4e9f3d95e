package io.dfs.deploy.gateway;

import io.dfs.client.config.ClusterConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The gateway's own bearer token: a request proves it may use the gateway by sending it (or a
 * user's token, {@link GatewayUsers}) as {@code Authorization: Bearer <token>} (programs) or in the
 * {@link #COOKIE} cookie a browser got by opening the dashboard once with {@code ?token=<token>}.
 * It lives in the file {@link #FILE} names, readable by its owner only, created on first start;
 * without that setting each start makes a new one, which the gateway prints. Either way a gateway
 * is never open.
 */
final class GatewayToken {
  /** Where the token is kept (created, mode 0600, when missing). */
  static final String FILE = "dfs.gateway.token.file";
  static final String COOKIE = "dfs_gateway";

  private final String value;

  private GatewayToken(String value) {
    this.value = value;
  }

  static GatewayToken from(ClusterConfig config) throws IOException {
    String configured = config.get(FILE).orElse(null);
    if (configured == null) {
      return new GatewayToken(fresh());
    }
    Path file = Path.of(configured);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, fresh() + "\n");
    } catch (FileAlreadyExistsException e) {
      // made by an earlier start (or by the operator): keep it
    }
    String value = Files.readString(file).trim();
    if (value.length() < 16) {
      throw new IOException("the gateway token in " + file + " is too short (at least 16 characters)");
    }
    return new GatewayToken(value);
  }

  private static String fresh() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  String value() {
    return value;
  }

  /** In constant time, so a guesser learns nothing from how long a refusal took. */
  boolean matches(String candidate) {
    return candidate != null && MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8));
  }

  /** The token a request carries, as a bearer token or in the dashboard's cookie. */
  static Optional<String> presented(HttpRequest r) {
    String authorization = r.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(authorization.substring(7).trim());
    }
    String cookies = r.headers().get(HttpHeaderNames.COOKIE);
    if (cookies != null) {
      for (Cookie c : ServerCookieDecoder.STRICT.decode(cookies)) {
        if (c.name().equals(COOKIE)) {
          return Optional.of(c.value());
        }
      }
    }
    return Optional.empty();
  }
}
