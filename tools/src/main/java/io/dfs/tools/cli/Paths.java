package io.dfs.tools.cli;

/** Names within cluster paths ("/a/b"). */
final class Paths {
  private Paths() {}

  static String name(String path) {
    String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return p.substring(p.lastIndexOf('/') + 1);
  }

  static String child(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
