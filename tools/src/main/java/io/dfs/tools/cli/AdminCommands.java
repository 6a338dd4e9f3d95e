package io.dfs.tools.cli;

import io.dfs.client.fs.DfsClient;
import io.dfs.proto.ClusterStatusResponse;
import io.dfs.proto.FsckProblem;
import io.dfs.proto.FsckResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.PeerStatus;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** fsck and cluster status. */
final class AdminCommands {
  private AdminCommands() {}

  @Command(name = "fsck", mixinStandardHelpOptions = true,
      description = "Report files with missing, under-replicated or corrupt blocks; exit 10 if any.")
  static final class Fsck extends ClusterCommand {
    @Parameters(arity = "0..1", defaultValue = "/", paramLabel = "PATH")
    String path;

    @Override
    int run(DfsClient fs) throws Exception {
      PrintWriter out = out();
      FsckResponse r = fs.fsck(path);
      for (FsckProblem p : r.getProblemsList()) {
        out.printf("%-16s %s block %d: %d of %d replicas%n", p.getKind(), p.getPath(), p.getBlock().getBlockId(),
            p.getLiveReplicas(), p.getExpectedReplicas());
      }
      out.printf("%d files, %d directories, %d blocks, %s; %d problems: %s%n", r.getFiles(), r.getDirectories(),
          r.getBlocks(), Listing.human(r.getTotalBytes()), r.getProblemsCount(),
          r.getProblemsCount() == 0 ? "HEALTHY" : "NOT HEALTHY");
      return r.getProblemsList().stream().anyMatch(p -> p.getKind() != FsckProblem.Kind.OVER_REPLICATED) ? 10 : 0;
    }
  }

  @Command(name = "cluster", mixinStandardHelpOptions = true, description = "Cluster commands.",
      subcommands = Status.class)
  static final class Cluster {
    @ParentCommand DfsCommand root;
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Leader, peers, storage nodes, capacity and block health.")
  static final class Status implements java.util.concurrent.Callable<Integer> {
    @ParentCommand Cluster cluster;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (DfsClient fs = cluster.root.connect()) {
        ClusterStatusResponse s = fs.clusterStatus();
        out.printf("leader %s, term %d, commit index %d%n", s.getLeaderId(), s.getTerm(), s.getCommitIndex());
        if (s.getSafeMode()) {
          out.printf("safe mode: ON, no replica is deleted or copied yet (%s)%n", s.getSafeModeReason());
        }
        for (PeerStatus p : s.getPeersList()) {
          out.printf("  peer  %-6s %-12s %s%n", p.getPeerId(), p.getRole(), p.getAddress());
        }
        for (NodeInfo n : s.getNodesList()) {
          out.printf("  node  %-6s %-5s %s:%d  %d blocks  %s used  %s free%n", n.getNodeId(), n.getState(),
              n.getHost(), n.getDataPort(), n.getBlockCount(), Listing.human(n.getUsedBytes()),
              Listing.human(n.getRemainingBytes()));
        }
        out.printf("capacity %s, used %s, free %s%n", Listing.human(s.getCapacityBytes()),
            Listing.human(s.getUsedBytes()), Listing.human(s.getRemainingBytes()));
        out.printf("files %d, directories %d, blocks %d, under-replicated %d, corrupt %d, missing %d%n",
            s.getFiles(), s.getDirectories(), s.getBlocks(), s.getUnderReplicatedBlocks(), s.getCorruptBlocks(),
            s.getMissingBlocks());
      }
      return 0;
    }
  }
}
