package io.dfs.tools.cli;

import io.dfs.client.error.IsADirectoryException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.fs.AttributeUpdate;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsInputStream;
import io.dfs.client.fs.DfsOutputStream;
import io.dfs.client.fs.FileTimes;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** put, get, cat, tail: moving bytes between local files and the cluster. */
final class TransferCommands {
  private static final int BUFFER = 1 << 20;

  private TransferCommands() {}

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Copy local files (with -r, directories) into the cluster; missing parent directories are created.",
          "Into REMOTE/<name> when REMOTE is an existing directory (which it must be for several LOCALs)."})
  static final class Put extends ClusterCommand {
    @Mixin CopyOptions copy;
    @Option(names = "--replication", defaultValue = "0", description = "replication factor (default: cluster's)")
    int rf;
    @Parameters(arity = "2..*", paramLabel = "LOCAL... REMOTE")
    List<String> args;

    @Override
    int run(DfsClient fs) throws Exception {
      String remote = args.get(args.size() - 1);
      List<Path> locals = args.subList(0, args.size() - 1).stream().map(Path::of).toList();
      boolean intoDirectory = isDirectory(fs, remote);
      if (locals.size() > 1 && !intoDirectory) {
        throw new NotADirectoryException("several sources need an existing directory as the destination", remote);
      }
      for (Path local : locals) {
        String target = intoDirectory ? Paths.child(remote, local.getFileName().toString()) : remote;
        if (Files.isDirectory(local)) {
          if (!copy.recursive) {
            throw new IsADirectoryException("is a local directory (copy it with -r)", local.toString());
          }
          putTree(fs, local, target);
        } else {
          putFile(fs, local, target);
        }
      }
      return 0;
    }

    private void putTree(DfsClient fs, Path top, String target) throws IOException {
      List<Path> entries;
      try (Stream<Path> walk = Files.walk(top)) {
        entries = walk.toList();
      }
      for (Path p : entries) {
        String dest = remoteOf(top, p, target);
        if (Files.isSymbolicLink(p)) {
          fs.symlink(Files.readSymbolicLink(p).toString(), dest); // a link stays a link, as with cp -a
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          fs.mkdirs(dest);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          putFile(fs, p, dest);
        }
      }
      if (copy.preserve) {
        // deepest first: creating entries inside a directory changes its times
        for (int i = entries.size() - 1; i >= 0; i--) {
          Path p = entries.get(i);
          if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            String dest = remoteOf(top, p, target);
            fs.setPermission(dest, mode(a.permissions()));
            fs.setTimes(dest, a.lastModifiedTime(), a.lastAccessTime());
          }
        }
      }
    }

    /** Where local {@code p}, inside the tree {@code top}, goes under the cluster path {@code target}. */
    private static String remoteOf(Path top, Path p, String target) {
      return p.equals(top) ? target : target + "/" + top.relativize(p).toString().replace('\\', '/');
    }

    private void putFile(DfsClient fs, Path local, String target) throws IOException {
      long size = Files.size(local);
      try (InputStream in = Files.newInputStream(local);
           DfsOutputStream out = fs.create(target, CreateOptions.defaults().withOverwrite(copy.overwrite)
               .withReplication(rf).withCreateParents(true))) {
        if (copy.preserve) {
          PosixFileAttributes a = Files.readAttributes(local, PosixFileAttributes.class);
          out.setAttributesOnClose(AttributeUpdate.NONE.withMode(mode(a.permissions()))
              .withTimes(a.lastModifiedTime(), a.lastAccessTime()));
        }
        copy(in, out, size, "put " + local.getFileName());
      }
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = {"Copy files (with -r, directories) from the cluster to local files.",
          "Into LOCAL/<name> when LOCAL is an existing directory (which it must be for several REMOTEs)."})
  static final class Get extends ClusterCommand {
    @Mixin CopyOptions copy;
    @Parameters(arity = "2..*", paramLabel = "REMOTE... LOCAL")
    List<String> args;

    @Override
    int run(DfsClient fs) throws Exception {
      Path local = Path.of(args.get(args.size() - 1));
      List<String> remotes = Globs.expandAll(fs, args.subList(0, args.size() - 1));
      boolean intoDirectory = Files.isDirectory(local);
      if (remotes.size() > 1 && !intoDirectory) {
        throw new NotADirectoryException("several sources need an existing local directory as the destination",
            local.toString());
      }
      for (String remote : remotes) {
        Path target = intoDirectory ? local.resolve(Paths.name(remote)) : local;
        FileStatus st = fs.stat(remote);
        if (st.getType() == FileType.DIRECTORY) {
          if (!copy.recursive) {
            throw new IsADirectoryException("is a directory (copy it with -r)", remote);
          }
          getTree(fs, st, target);
        } else {
          getFile(fs, st, target);
        }
      }
      return 0;
    }

    private void getTree(DfsClient fs, FileStatus top, Path target) throws IOException {
      Files.createDirectories(target);
      for (FileStatus e : fs.list(top.getPath())) {
        Path dest = target.resolve(Paths.name(e.getPath()));
        if (e.getType() == FileType.DIRECTORY) {
          getTree(fs, e, dest);
        } else if (e.getType() == FileType.SYMLINK) {
          if (copy.overwrite) {
            Files.deleteIfExists(dest);
          }
          Files.createSymbolicLink(dest, Path.of(e.getSymlinkTarget()));
        } else {
          getFile(fs, e, dest);
        }
      }
      preserveOn(top, target);
    }

    /** Into a hidden sibling first: an existing file is replaced only by a complete copy. */
    private void getFile(DfsClient fs, FileStatus st, Path target) throws IOException {
      if (!copy.overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new PathExistsException("local file exists (overwrite it with -f)", target.toString());
      }
      Path tmp = target.resolveSibling("." + target.getFileName() + ".dfs-get-" + ProcessHandle.current().pid());
      try {
        try (DfsInputStream in = fs.open(st.getPath()); OutputStream out = Files.newOutputStream(tmp)) {
          copy(in, out, in.length(), "get " + st.getPath());
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      preserveOn(st, target);
    }

    private void preserveOn(FileStatus st, Path target) throws IOException {
      if (copy.preserve) {
        Files.setPosixFilePermissions(target, permissions(st.getMode()));
        Files.getFileAttributeView(target, java.nio.file.attribute.BasicFileAttributeView.class)
            .setTimes(FileTimes.mtimeOf(st), FileTimes.atimeOf(st), null);
      }
    }
  }

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files to standard output.")
  static final class Cat extends ClusterCommand {
    @Parameters(paramLabel = "PATH")
    List<String> paths;

    @Override
    int run(DfsClient fs) throws Exception {
      for (String p : Globs.expandAll(fs, paths)) {
        try (InputStream in = fs.open(p)) {
          in.transferTo(System.out);
        }
      }
      System.out.flush();
      return 0;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Write a file's last kilobyte to standard output; with -f, then what is appended to it.")
  static final class Tail extends ClusterCommand {
    static final int LAST = 1024;

    @Option(names = "-f", description = "follow: print bytes as a writer adds them (hflush), until interrupted")
    boolean follow;
    @Option(names = "--interval-ms", defaultValue = "1000", description = "how often -f looks for new bytes")
    long intervalMs;
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(DfsClient fs) throws Exception {
      long printed = -1;
      do {
        try (DfsInputStream in = fs.open(path)) {
          long from = printed < 0 ? Math.max(0, in.length() - LAST) : printed;
          if (in.length() > from) {
            in.seek(from);
            in.transferTo(System.out);
            System.out.flush();
          }
          printed = Math.max(from, in.length());
        }
        if (follow) {
          try {
            Thread.sleep(intervalMs);
          } catch (InterruptedException e) {
            return 0;
          }
        }
      } while (follow && !Thread.currentThread().isInterrupted());
      return 0;
    }
  }

  static boolean isDirectory(DfsClient fs, String path) throws IOException {
    return fs.exists(path) && fs.stat(path).getType() == FileType.DIRECTORY;
  }

  static int mode(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 1 << (8 - p.ordinal());
    }
    return mode;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        out.add(p);
      }
    }
    return out;
  }

  private static void copy(InputStream in, OutputStream out, long size, String label) throws IOException {
    Progress progress = new Progress(label, size);
    byte[] buf = new byte[BUFFER];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
      progress.advance(n);
    }
    progress.done();
  }
}
