package io.dfs.deploy.gateway;

/** Names from HTML forms: relative names are taken from the root; everything else is checked by the namespace. */
final class GatewayPaths {
  private GatewayPaths() {}

  static String absolute(String name) throws HttpErrors.BadRequestException {
    if (name == null || name.isBlank()) {
      throw new HttpErrors.BadRequestException("missing name");
    }
    String n = name.trim();
    return n.startsWith("/") ? n : "/" + n;
  }

  static String child(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
