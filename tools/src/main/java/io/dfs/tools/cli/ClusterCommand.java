package io.dfs.tools.cli;

import io.dfs.client.fs.DfsClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A {@code dfs} subcommand that works on the cluster: connects, runs, closes the connection. */
abstract class ClusterCommand implements Callable<Integer> {
  @ParentCommand DfsCommand root;
  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    try (DfsClient fs = root.connect()) {
      return run(fs);
    }
  }

  /** The exit code. */
  abstract int run(DfsClient fs) throws Exception;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
