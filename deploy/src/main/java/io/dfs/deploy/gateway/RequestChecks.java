package io.dfs.deploy.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.util.Set;

/**
 * What the gateway refuses before serving anything. Everything but the dashboard's page and its
 * scripts takes a token the gateway knows ({@link GatewayCallers}); 401 without one. The four operations take POST only, so a link
 * or an image on another web page cannot trigger them; a POST a browser makes for another site
 * (its Origin is not this gateway, or Sec-Fetch-Site says cross-site) is refused, so a form on
 * another page cannot either. Programs (curl, scripts) send neither header and are served.
 */
final class RequestChecks {
  static final Set<String> OPERATIONS = Set.of("/create_directory", "/delete_directory", "/upload_file",
      "/download_file");

  private RequestChecks() {}

  /**
   * The reason to refuse the request, or null to serve it.
   *
   * @param authenticated whether it carries a token the gateway knows
   */
  static Exception refusal(HttpRequest r, boolean authenticated) {
    String path = new QueryStringDecoder(r.uri()).path();
    if (!isPageAsset(path) && !authenticated) {
      return new HttpErrors.UnauthorizedException("the gateway takes a token: Authorization: Bearer <token> "
          + "(its own: dfs local start prints it, dfs.gateway.token.file holds it; a user's: dfs security gateway-user)");
    }
    HttpMethod method = r.method();
    if (OPERATIONS.contains(path)) {
      if (!method.equals(HttpMethod.POST)) {
        return new HttpErrors.MethodNotAllowedException(path + " takes POST, not " + method);
      }
      return crossSite(r);
    }
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      return new HttpErrors.MethodNotAllowedException(path + " takes GET, not " + method);
    }
    return null;
  }

  /** The dashboard's page, scripts and styles: no data in them, and the page is where a browser logs in. */
  static boolean isPageAsset(String path) {
    return path.equals("/") || path.matches("/[A-Za-z0-9_-]+\\.(html|js|css)");
  }

  private static Exception crossSite(HttpRequest r) {
    String fetchSite = r.headers().get("Sec-Fetch-Site");
    if (fetchSite != null && !fetchSite.equals("same-origin") && !fetchSite.equals("none")) {
      return new HttpErrors.CrossSiteException("refused: a " + fetchSite + " request");
    }
    String origin = r.headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null) {
      return null;
    }
    String host = r.headers().get(HttpHeaderNames.HOST);
    try {
      URI o = URI.create(origin);
      String originHost = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
      if (host != null && originHost != null && originHost.equalsIgnoreCase(host)) {
        return null;
      }
    } catch (IllegalArgumentException e) {
      // "null" or garbage: not this gateway
    }
    return new HttpErrors.CrossSiteException("refused: a request from " + origin);
  }
}
