package io.dfs.deploy.process;

import java.util.List;

/** One dfs process to run: a name unique in its cluster, the main class and its arguments. */
public record ProcessSpec(String name, String mainClass, List<String> args) {
  public ProcessSpec {
    args = List.copyOf(args);
  }
}
