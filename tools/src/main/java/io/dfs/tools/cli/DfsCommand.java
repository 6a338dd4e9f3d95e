package io.dfs.tools.cli;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.error.DfsException;
import io.dfs.client.fs.DfsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code dfs}: the command-line tool. Each error kind has its own exit code (see --help). */
@Command(name = "dfs", mixinStandardHelpOptions = true, version = "dfs 0.1.0",
    description = "Use a dfs cluster from the command line.",
    subcommands = {NamespaceCommands.Ls.class, NamespaceCommands.Mkdir.class, NamespaceCommands.Touchz.class, NamespaceCommands.Ln.class,
        NamespaceCommands.Rm.class, NamespaceCommands.Mv.class, NamespaceCommands.Setrep.class,
        NamespaceCommands.Chmod.class, NamespaceCommands.Chown.class,
        InspectCommands.Stat.class, InspectCommands.Du.class, InspectCommands.Count.class, InspectCommands.Test.class,
        InspectCommands.Checksum.class, TransferCommands.Put.class, TransferCommands.Get.class,
        TransferCommands.Cat.class, TransferCommands.Tail.class, AdminCommands.Fsck.class,
        AdminCommands.Cluster.class, CommandLine.HelpCommand.class},
    footer = {"", "Cluster PATHs of ls, rm, mv, setrep, chmod, chown, stat, du, count, checksum, get and cat may be globs",
        "('/logs/2026-*', quoted for the local shell).",
        "Exit codes: 0 ok, 1 other error (and a failed 'test'), 2 usage, 3 not found, 4 already exists,",
        "5 not a directory / is a directory, 6 directory not empty, 7 invalid path or name too long,",
        "8 no space, 9 permission denied, 10 storage error.",
        "Config: --config, else $DFS_CONF, else ./data/conf/cluster.properties, else /etc/dfs/cluster.properties."})
public final class DfsCommand {
  @Option(names = "--config", scope = ScopeType.INHERIT, description = "cluster.properties of the cluster to use")
  Path config;

  /** The cluster config, from the first place that has one. */
  ClusterConfig clusterConfig() throws IOException {
    String env = System.getenv("DFS_CONF");
    Path chosen = Stream.of(config, env == null ? null : Path.of(env), Path.of("data/conf/cluster.properties"),
            Path.of("/etc/dfs/cluster.properties"))
        .filter(p -> p != null && Files.exists(p)).findFirst()
        .orElseThrow(() -> new IOException("no cluster config: pass --config FILE or set DFS_CONF"));
    return ClusterConfig.load(chosen);
  }

  DfsClient connect() throws IOException {
    return new DfsClient(clusterConfig(), "cli-" + ProcessHandle.current().pid());
  }

  static int exitCode(Exception e) {
    if (!(e instanceof DfsException d)) {
      return 1;
    }
    return switch (d.code()) {
      case NOT_FOUND -> 3;
      case ALREADY_EXISTS -> 4;
      case NOT_A_DIRECTORY, IS_A_DIRECTORY -> 5;
      case DIRECTORY_NOT_EMPTY -> 6;
      case INVALID_PATH, NAME_TOO_LONG, INVALID_ARGUMENT, FILE_TOO_LARGE -> 7;
      case NO_SPACE, NOT_ENOUGH_NODES -> 8;
      case PERMISSION_DENIED -> 9;
      case IO_ERROR, CHECKSUM_MISMATCH, STALE_GENERATION -> 10;
      default -> 1;
    };
  }

  /** Runs the tool and returns its exit code; used by main and by tests. */
  public static int run(List<String> args, java.io.PrintWriter out, java.io.PrintWriter err) {
    CommandLine cl = new CommandLine(new DfsCommand());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("dfs: " + ex.getMessage());
      commandLine.getErr().flush();
      return exitCode(ex);
    });
    int code = cl.execute(args.toArray(String[]::new));
    out.flush();
    err.flush();
    return code;
  }

  public static void main(String[] args) {
    System.exit(run(List.of(args), new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true)));
  }
}
