package io.dfs.deploy.local;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.deploy.process.ManagedProcess;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.PeerStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dfs local ...}: run and poke a whole cluster on this machine, one process per server. */
@Command(name = "dfs local", mixinStandardHelpOptions = true,
    description = "Run a one-machine cluster: 3 metadata peers, storage nodes, gateway+dashboard, FUSE mount.",
    subcommands = {
        LocalClusterCommand.Start.class, LocalClusterCommand.Stop.class, LocalClusterCommand.Status.class,
        LocalClusterCommand.KillNode.class, LocalClusterCommand.RestartNode.class})
public final class LocalClusterCommand implements Callable<Integer> {
  static final Duration STOP_GRACE = Duration.ofSeconds(15);

  @Option(names = "--home", scope = CommandLine.ScopeType.INHERIT, defaultValue = "${env:DFS_HOME:-data}",
      description = "Cluster data, config, logs and pid files (default: ./data or $DFS_HOME).")
  Path home;

  @Option(names = "--mount", scope = CommandLine.ScopeType.INHERIT, defaultValue = "mnt", description = "Mount point (default: ./mnt).")
  Path mountPoint;

  @Option(names = "--base-port", scope = CommandLine.ScopeType.INHERIT, defaultValue = "9800",
      description = "Gateway port; other ports are fixed offsets from it (default: 9800).")
  int basePort;

  @Option(names = "--nodes", scope = CommandLine.ScopeType.INHERIT, defaultValue = "3", description = "Storage nodes (default: 3).")
  int nodes;

  LocalClusterLayout layout() {
    return new LocalClusterLayout(home, mountPoint, basePort, nodes);
  }

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LocalClusterCommand()).execute(args));
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start every process, print the URLs, and stop them all on Ctrl-C.")
  static final class Start implements Callable<Integer> {
    @CommandLine.ParentCommand LocalClusterCommand parent;

    @Option(names = "--detach", description = "Return once the cluster is up instead of staying in the foreground.")
    boolean detach;

    @Override
    public Integer call() throws Exception {
      LocalClusterLayout layout = parent.layout();
      layout.writeConfigIfAbsent();
      ClusterConfig config = ClusterConfig.load(layout.configFile());
      LocalCluster cluster = new LocalCluster(layout, config, System.out);
      if (!detach) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          System.out.println("\nstopping the cluster ...");
          cluster.stopAll(STOP_GRACE);
          stopped.countDown();
        }, "dfs-local-stop"));
      }
      cluster.startAll();
      if (detach) {
        return 0;
      }
      System.out.println("Ctrl-C stops everything. Other terminals: deploy/bin/dfs local status|kill-node N|restart-node N|stop");
      cluster.watchUntilAllExit();
      return 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop every process of the local cluster.")
  static final class Stop implements Callable<Integer> {
    @CommandLine.ParentCommand LocalClusterCommand parent;

    @Override
    public Integer call() throws Exception {
      LocalClusterLayout layout = parent.layout();
      new LocalCluster(layout, null, System.out).stopAll(STOP_GRACE);
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show which processes run and what the metadata leader says about the cluster.")
  static final class Status implements Callable<Integer> {
    @CommandLine.ParentCommand LocalClusterCommand parent;

    @Override
    public Integer call() throws Exception {
      LocalClusterLayout layout = parent.layout();
      for (ManagedProcess p : layout.all()) {
        System.out.printf("%-8s %s%n", p.name(),
            p.handle().map(h -> "running (pid " + h.pid() + ")").orElse("stopped"));
      }
      try (MetadataClient client = MetadataClient.connect(ClusterConfig.load(layout.configFile()), "dfs-local-status")) {
        ClusterStatusResponse s = client.clusterStatus();
        System.out.printf("%nleader %s, term %d, commit index %d%n", s.getLeaderId(), s.getTerm(), s.getCommitIndex());
        for (PeerStatus peer : s.getPeersList()) {
          System.out.printf("  peer %-4s %-10s %s%n", peer.getPeerId(), peer.getRole(), peer.getAddress());
        }
        for (NodeInfo node : s.getNodesList()) {
          System.out.printf("  node %-4s %-5s %s:%d  %d blocks, %d MiB free%n", node.getNodeId(), node.getState(),
              node.getHost(), node.getDataPort(), node.getBlockCount(), node.getRemainingBytes() >> 20);
        }
        System.out.printf("files %d, blocks %d, under-replicated %d, corrupt %d%n",
            s.getFiles(), s.getBlocks(), s.getUnderReplicatedBlocks(), s.getCorruptBlocks());
        if (s.getSafeMode()) {
          System.out.printf("safe mode: ON (%s)%n", s.getSafeModeReason());
        }
      } catch (Exception e) {
        System.out.println("\ncluster status unavailable: " + e.getMessage());
        return 1;
      }
      return 0;
    }
  }

  @Command(name = "kill-node", mixinStandardHelpOptions = true,
      description = "kill -9 one process, as a crash would: a storage node number (2), or a name (n2, m1, gateway).")
  static final class KillNode implements Callable<Integer> {
    @CommandLine.ParentCommand LocalClusterCommand parent;

    @Parameters(paramLabel = "NODE") String node;

    @Override
    public Integer call() {
      ManagedProcess p = parent.layout().byName(node);
      if (!p.isAlive()) {
        System.out.println(p.name() + " is not running");
        return 1;
      }
      p.kill();
      System.out.println("killed " + p.name());
      return 0;
    }
  }

  @Command(name = "restart-node", mixinStandardHelpOptions = true,
      description = "Start a stopped or killed process again (number or name, as for kill-node).")
  static final class RestartNode implements Callable<Integer> {
    @CommandLine.ParentCommand LocalClusterCommand parent;

    @Parameters(paramLabel = "NODE") String node;

    @Override
    public Integer call() throws Exception {
      ManagedProcess p = parent.layout().byName(node);
      p.stop(STOP_GRACE);
      long pid = p.start(LocalCluster.JVM_OPTIONS);
      System.out.println("started " + p.name() + " (pid " + pid + "), log " + p.logFile());
      return 0;
    }
  }
}
