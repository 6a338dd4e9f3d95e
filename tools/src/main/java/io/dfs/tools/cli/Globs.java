package io.dfs.tools.cli;

import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.DfsClient;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Shell globs in cluster paths ({@code *}, {@code ?}, {@code [abc]}, {@code {a,b}}), matched one
 * path component at a time against directory listings, as {@code hdfs dfs} does: quote them so
 * the local shell leaves them alone ({@code dfs ls '/logs/2026-*'}).
 */
final class Globs {
  private Globs() {}

  static boolean isGlob(String path) {
    return path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /** Every path the pattern matches, sorted; a plain path as it is; no match is "not found". */
  static List<String> expand(DfsClient fs, String pattern) throws IOException {
    if (!isGlob(pattern)) {
      return List.of(pattern);
    }
    List<String> matches = List.of("/");
    for (String component : pattern.split("/")) {
      if (component.isEmpty()) {
        continue;
      }
      List<String> next = new ArrayList<>();
      for (String parent : matches) {
        if (!isGlob(component)) {
          next.add(child(parent, component));
          continue;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + component);
        for (FileStatus e : children(fs, parent)) {
          String name = e.getPath().substring(e.getPath().lastIndexOf('/') + 1);
          if (matcher.matches(java.nio.file.Path.of(name))) {
            next.add(e.getPath());
          }
        }
      }
      matches = next;
    }
    List<String> existing = new ArrayList<>();
    for (String m : matches) {
      if (fs.exists(m)) {
        existing.add(m);
      }
    }
    if (existing.isEmpty()) {
      throw new PathNotFoundException("no match", pattern);
    }
    existing.sort(null);
    return existing;
  }

  /** Every match of every pattern, in order. */
  static List<String> expandAll(DfsClient fs, List<String> patterns) throws IOException {
    List<String> out = new ArrayList<>();
    for (String p : patterns) {
      out.addAll(expand(fs, p));
    }
    return out;
  }

  private static List<FileStatus> children(DfsClient fs, String dir) throws IOException {
    try {
      FileStatus st = fs.stat(dir);
      return st.getType() == FileType.DIRECTORY ? fs.list(dir) : List.of();
    } catch (PathNotFoundException | NotADirectoryException e) {
      return List.of();
    }
  }

  private static String child(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }
}
