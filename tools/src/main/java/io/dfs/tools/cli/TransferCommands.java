package io.dfs.tools.cli;

import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** put, get, cat: moving bytes between local files and the cluster. */
final class TransferCommands {
  private static final int BUFFER = 1 << 20;

  private TransferCommands() {}

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Copy a local file into the cluster.")
  static final class Put implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Option(names = "-f", description = "overwrite an existing file")
    boolean overwrite;
    @Option(names = "--replication", defaultValue = "0", description = "replication factor (default: cluster's)")
    int rf;
    @Parameters(index = "0", paramLabel = "LOCAL")
    Path local;
    @Parameters(index = "1", paramLabel = "REMOTE")
    String remote;

    @Override
    public Integer call() throws Exception {
      long size = Files.size(local);
      try (DfsClient fs = root.connect();
           InputStream in = Files.newInputStream(local);
           OutputStream out = fs.create(remote, CreateOptions.defaults().withOverwrite(overwrite).withReplication(rf))) {
        copy(in, out, size, "put " + local.getFileName());
      }
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Copy a file from the cluster to a local file.")
  static final class Get implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REMOTE")
    String remote;
    @Parameters(index = "1", paramLabel = "LOCAL")
    Path local;

    @Override
    public Integer call() throws Exception {
      Path target = Files.isDirectory(local) ? local.resolve(remote.substring(remote.lastIndexOf('/') + 1)) : local;
      try (DfsClient fs = root.connect();
           DfsInputStream in = fs.open(remote);
           OutputStream out = Files.newOutputStream(target)) {
        copy(in, out, in.length(), "get " + remote);
      }
      return 0;
    }
  }

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files to standard output.")
  static final class Cat implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        for (String p : paths) {
          try (InputStream in = fs.open(p)) {
            in.transferTo(System.out);
          }
        }
        System.out.flush();
      }
      return 0;
    }
  }

  private static void copy(InputStream in, OutputStream out, long size, String label) throws Exception {
    Progress progress = new Progress(label, size);
    byte[] buf = new byte[BUFFER];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
      progress.advance(n);
    }
    progress.done();
  }
}
