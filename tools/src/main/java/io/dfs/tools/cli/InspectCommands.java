package io.dfs.tools.cli;

import io.dfs.client.checksum.FileChecksum;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.DfsClient;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** stat, du, count, test, checksum: questions about paths. PATHs may be globs. */
final class InspectCommands {
  private InspectCommands() {}

  @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show files' or directories' attributes.")
  static final class Stat extends ClusterCommand {
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      PrintWriter o = out();
      for (String path : Globs.expandAll(fs, paths)) {
        FileStatus s = fs.stat(path);
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

  @Command(name = "du", mixinStandardHelpOptions = true, description = "Bytes used under each path (before replication).")
  static final class Du extends ClusterCommand {
    @Option(names = "-h", description = "human-readable sizes")
    boolean human;
    @Parameters(arity = "0..*", paramLabel = "PATH")
    List<String> paths = List.of("/");

    @Override
    int run(DfsClient fs) throws Exception {
      for (String path : Globs.expandAll(fs, paths)) {
        long[] total = {0};
        TreeWalk.walk(fs, path, s -> total[0] += s.getType() == FileType.DIRECTORY ? 0 : s.getLength());
        out().println((human ? Listing.human(total[0]) : Long.toString(total[0])) + "\t" + path);
      }
      return 0;
    }
  }

  @Command(name = "count", mixinStandardHelpOptions = true,
      description = "Directories, files and bytes under each path: DIR_COUNT FILE_COUNT CONTENT_SIZE PATHNAME.")
  static final class Count extends ClusterCommand {
    @Option(names = "-h", description = "human-readable sizes")
    boolean human;
    @Parameters(arity = "0..*", paramLabel = "PATH")
    List<String> paths = List.of("/");

    @Override
    int run(DfsClient fs) throws Exception {
      for (String path : Globs.expandAll(fs, paths)) {
        long[] dirsFilesBytes = new long[3];
        TreeWalk.walk(fs, path, s -> {
          if (s.getType() == FileType.DIRECTORY) {
            dirsFilesBytes[0]++;
          } else {
            dirsFilesBytes[1]++;
            dirsFilesBytes[2] += s.getLength();
          }
        });
        out().printf("%12d %12d %18s %s%n", dirsFilesBytes[0], dirsFilesBytes[1],
            human ? Listing.human(dirsFilesBytes[2]) : Long.toString(dirsFilesBytes[2]), path);
      }
      return 0;
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      description = "Exit 0 if the path passes the test, 1 if it does not (no output).")
  static final class Test extends ClusterCommand {
    static final class Kind {
      @Option(names = "-e", description = "exists") boolean exists;
      @Option(names = "-d", description = "is a directory") boolean directory;
      @Option(names = "-f", description = "is a file") boolean file;
      @Option(names = "-s", description = "is a file that is not empty") boolean nonEmpty;
      @Option(names = "-z", description = "is an empty file") boolean empty;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Kind kind;
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(DfsClient fs) throws Exception {
      FileStatus s;
      try {
        s = fs.stat(path);
      } catch (PathNotFoundException e) {
        return 1;
      }
      boolean isFile = s.getType() == FileType.REGULAR_FILE;
      boolean pass = kind.exists
          || (kind.directory && s.getType() == FileType.DIRECTORY)
          || (kind.file && isFile)
          || (kind.nonEmpty && isFile && s.getLength() > 0)
          || (kind.empty && isFile && s.getLength() == 0);
      return pass ? 0 : 1;
    }
  }

  @Command(name = "checksum", mixinStandardHelpOptions = true,
      description = "Each file's COMPOSITE-CRC32C (the CRC32C of its content, as HDFS computes it): PATH ALGORITHM CHECKSUM.")
  static final class Checksum extends ClusterCommand {
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String path : Globs.expandAll(fs, paths)) {
        FileChecksum sum = fs.checksum(path);
        out().println(path + "\t" + FileChecksum.ALGORITHM + "\t" + sum.hex());
      }
      return 0;
    }
  }
}
