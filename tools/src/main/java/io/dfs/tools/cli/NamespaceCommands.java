package io.dfs.tools.cli;

import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** ls, mkdir, touchz, ln, rm, mv, setrep: changing and listing the namespace. PATHs may be globs. */
final class NamespaceCommands {
  private NamespaceCommands() {}

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List directories (or show files).")
  static final class Ls extends ClusterCommand {
    @Option(names = "-l", description = "long format")
    boolean longFormat;
    @Option(names = "-R", description = "recursive")
    boolean recursive;
    @Parameters(arity = "0..*", paramLabel = "PATH")
    List<String> paths = List.of("/");

    @Override
    int run(DfsClient fs) throws Exception {
      Deque<String> todo = new ArrayDeque<>(Globs.expandAll(fs, paths));
      while (!todo.isEmpty()) {
        String dir = todo.pop();
        FileStatus st = fs.stat(dir);
        List<FileStatus> entries = st.getType() == FileType.DIRECTORY ? fs.list(dir) : List.of(st);
        if (recursive) {
          out().println(dir + ":");
        }
        for (FileStatus e : entries) {
          out().println(longFormat ? Listing.longLine(e) : e.getPath());
          if (recursive && e.getType() == FileType.DIRECTORY) {
            todo.add(e.getPath());
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Create directories.")
  static final class Mkdir extends ClusterCommand {
    @Option(names = "-p", description = "create parents; no error if it exists")
    boolean parents;
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String p : paths) {
        if (parents) {
          fs.mkdirs(p);
        } else {
          fs.mkdir(p);
        }
      }
      return 0;
    }
  }

  @Command(name = "touchz", mixinStandardHelpOptions = true,
      description = "Create empty files; an existing file must already be empty (exit 4 otherwise).")
  static final class Touchz extends ClusterCommand {
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String p : paths) {
        try {
          fs.create(p, CreateOptions.defaults()).close();
        } catch (PathExistsException e) {
          FileStatus existing = fs.stat(p);
          if (existing.getType() != FileType.REGULAR_FILE || existing.getLength() != 0) {
            throw new PathExistsException("not a zero-length file", p);
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "ln", mixinStandardHelpOptions = true,
      description = "Give the file TARGET a further name LINK (a hard link: one file, two names), or with -s create"
          + " a symbolic link at LINK holding TARGET (stored as given; only the mount follows links).")
  static final class Ln extends ClusterCommand {
    @Option(names = "-s", description = "symbolic link")
    boolean symbolic;
    @Parameters(index = "0", paramLabel = "TARGET")
    String target;
    @Parameters(index = "1", paramLabel = "LINK")
    String link;

    @Override
    int run(DfsClient fs) throws Exception {
      if (symbolic) {
        fs.symlink(target, link);
      } else {
        fs.link(target, link);
      }
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete files or directories.")
  static final class Rm extends ClusterCommand {
    @Option(names = {"-r", "-R"}, description = "delete directories and their contents")
    boolean recursive;
    @Option(names = "-f", description = "no error if a path does not exist")
    boolean force;
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String pattern : paths) {
        if (force && !Globs.isGlob(pattern) && !fs.exists(pattern)) {
          continue;
        }
        for (String p : Globs.expand(fs, pattern)) {
          fs.delete(p, recursive);
        }
      }
      return 0;
    }
  }

  @Command(name = "mv", mixinStandardHelpOptions = true,
      description = "Rename or move; into DEST when DEST is an existing directory (which it must be for several SOURCEs).")
  static final class Mv extends ClusterCommand {
    @Parameters(arity = "2..*", paramLabel = "SOURCE... DEST")
    List<String> args;

    @Override
    int run(DfsClient fs) throws Exception {
      String dest = args.get(args.size() - 1);
      List<String> sources = Globs.expandAll(fs, args.subList(0, args.size() - 1));
      boolean intoDirectory = fs.exists(dest) && fs.stat(dest).getType() == FileType.DIRECTORY;
      if (sources.size() > 1 && !intoDirectory) {
        throw new NotADirectoryException("several sources need an existing directory as the destination", dest);
      }
      for (String source : sources) {
        String target = intoDirectory ? Paths.child(dest, Paths.name(source)) : dest;
        fs.rename(source, target, false);
      }
      return 0;
    }
  }

  @Command(name = "setrep", mixinStandardHelpOptions = true, description = "Change files' replication factor.")
  static final class Setrep extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "REPLICATION")
    int replication;
    @Parameters(index = "1..*", paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String p : Globs.expandAll(fs, paths)) {
        fs.setReplication(p, replication);
      }
      return 0;
    }
  }

  @Command(name = "chmod", mixinStandardHelpOptions = true,
      description = "Change the permission bits (octal, e.g. 750 or 1777) of each PATH; only its owner or a superuser may.")
  static final class Chmod extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "MODE")
    String mode;
    @Parameters(index = "1..*", paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      int bits;
      try {
        bits = Integer.parseInt(mode, 8);
      } catch (NumberFormatException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "MODE is octal, e.g. 750: " + mode);
      }
      for (String p : Globs.expandAll(fs, paths)) {
        fs.setPermission(p, bits & 07777);
      }
      return 0;
    }
  }

  @Command(name = "chown", mixinStandardHelpOptions = true,
      description = "Give each PATH to OWNER (a superuser may) and/or GROUP (its owner may, to a group it is in).")
  static final class Chown extends ClusterCommand {
    @Parameters(index = "0", paramLabel = "OWNER[:GROUP]")
    String owner;
    @Parameters(index = "1..*", paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      int colon = owner.indexOf(':');
      String user = colon < 0 ? owner : owner.substring(0, colon);
      String group = colon < 0 ? "" : owner.substring(colon + 1);
      for (String p : Globs.expandAll(fs, paths)) {
        fs.setOwner(p, user, group);
      }
      return 0;
    }
  }
}
