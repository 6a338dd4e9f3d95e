package io.dfs.tools.cli;

import io.dfs.client.fs.DfsClient;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Every entry of a tree, the root first, directories' entries fetched page by page. */
final class TreeWalk {
  interface Visitor {
    void visit(FileStatus entry) throws IOException;
  }

  private TreeWalk() {}

  static void walk(DfsClient fs, String root, Visitor visitor) throws IOException {
    Deque<FileStatus> todo = new ArrayDeque<>(List.of(fs.stat(root)));
    while (!todo.isEmpty()) {
      FileStatus s = todo.pop();
      visitor.visit(s);
      if (s.getType() == FileType.DIRECTORY) {
        todo.addAll(fs.list(s.getPath()));
      }
    }
  }
}
