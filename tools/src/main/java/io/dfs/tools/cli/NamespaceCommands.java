package io.dfs.tools.cli;

import io.dfs.client.fs.DfsClient;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** ls, mkdir, rm, mv, stat, du, setrep. */
final class NamespaceCommands {
  private NamespaceCommands() {}

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory (or show a file).")
  static final class Ls implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Option(names = "-l", description = "long format")
    boolean longFormat;
    @Option(names = "-R", description = "recursive")
    boolean recursive;
    @Parameters(arity = "0..1", defaultValue = "/", paramLabel = "PATH")
    String path;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        Deque<String> todo = new ArrayDeque<>(List.of(path));
        while (!todo.isEmpty()) {
          String dir = todo.pop();
          FileStatus st = fs.stat(dir);
          List<FileStatus> entries = st.getType() == FileType.DIRECTORY ? fs.list(dir) : List.of(st);
          if (recursive) {
            spec.commandLine().getOut().println(dir + ":");
          }
          for (FileStatus e : entries) {
            spec.commandLine().getOut().println(longFormat ? Listing.longLine(e) : e.getPath());
            if (recursive && e.getType() == FileType.DIRECTORY) {
              todo.add(e.getPath());
            }
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Create a directory.")
  static final class Mkdir implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Option(names = "-p", description = "create parents; no error if it exists")
    boolean parents;
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        for (String p : paths) {
          if (parents) {
            fs.mkdirs(p);
          } else {
            fs.mkdir(p);
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete files or directories.")
  static final class Rm implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Option(names = {"-r", "-R"}, description = "delete directories and their contents")
    boolean recursive;
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        for (String p : paths) {
          fs.delete(p, recursive);
        }
      }
      return 0;
    }
  }

  @Command(name = "mv", mixinStandardHelpOptions = true,
      description = "Rename or move; into DEST when DEST is an existing directory.")
  static final class Mv implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;
    @Parameters(index = "1", paramLabel = "DEST")
    String dest;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        String target = dest;
        if (fs.exists(dest) && fs.stat(dest).getType() == FileType.DIRECTORY) {
          target = (dest.endsWith("/") ? dest : dest + "/") + source.substring(source.lastIndexOf('/') + 1);
        }
        fs.rename(source, target, false);
      }
      return 0;
    }
  }

  @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show a file's or directory's attributes.")
  static final class Stat implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        FileStatus s = fs.stat(path);
        PrintWriter o = spec.commandLine().getOut();
        o.println("path:        " + s.getPath());
        o.println("type:        " + (s.getType() == FileType.DIRECTORY ? "directory" : "file"));
        o.println("size:        " + s.getLength() + " (" + Listing.human(s.getLength()) + ")");
        if (s.getType() == FileType.REGULAR_FILE) {
          o.println("replication: " + s.getReplication());
          o.println("block size:  " + Listing.human(s.getBlockSize()));
          o.println("writing:     " + s.getUnderConstruction());
        } else {
          o.println("entries:     " + s.getChildren());
        }
        o.println("mode:        " + Integer.toOctalString(s.getMode()) + " (" + Listing.permissions(s.getMode()) + ")");
        o.println("owner:       " + s.getOwner() + ":" + s.getGroup());
        o.println("modified:    " + java.time.Instant.ofEpochMilli(s.getMtimeMs()));
        o.println("inode:       " + s.getInodeId());
      }
      return 0;
    }
  }

  @Command(name = "du", mixinStandardHelpOptions = true, description = "Bytes used under a path (before replication).")
  static final class Du implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Option(names = "-h", description = "human-readable sizes")
    boolean human;
    @Parameters(arity = "0..1", defaultValue = "/", paramLabel = "PATH")
    String path;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        long total = 0;
        Deque<FileStatus> todo = new ArrayDeque<>(List.of(fs.stat(path)));
        while (!todo.isEmpty()) {
          FileStatus s = todo.pop();
          if (s.getType() == FileType.DIRECTORY) {
            todo.addAll(fs.list(s.getPath()));
          } else {
            total += s.getLength();
          }
        }
        spec.commandLine().getOut().println((human ? Listing.human(total) : Long.toString(total)) + "\t" + path);
      }
      return 0;
    }
  }

  @Command(name = "setrep", mixinStandardHelpOptions = true, description = "Change a file's replication factor.")
  static final class Setrep implements Callable<Integer> {
    @ParentCommand DfsCommand root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPLICATION")
    int replication;
    @Parameters(index = "1", paramLabel = "PATH")
    String path;

    @Override
    public Integer call() throws Exception {
      try (DfsClient fs = root.connect()) {
        fs.setReplication(path, replication);
      }
      return 0;
    }
  }
}
