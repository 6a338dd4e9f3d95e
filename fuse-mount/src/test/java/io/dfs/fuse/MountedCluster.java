package io.dfs.fuse;

import io.dfs.blockstore.testing.MiniDfsCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A real cluster mounted with FUSE at a temp dir, and a shell to run ordinary tools on it. */
final class MountedCluster implements AutoCloseable {
  record Result(int code, String out) {}

  final MiniDfsCluster cluster;
  final MountCommand mount;
  final Path mnt;

  private MountedCluster(MiniDfsCluster cluster, MountCommand mount, Path mnt) {
    this.cluster = cluster;
    this.mount = mount;
    this.mnt = mnt;
  }

  static void assumeFuse() {
    Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
    Assumptions.assumeTrue(run(Path.of("/"), "command -v fusermount").code() == 0, "fusermount not installed");
    Assumptions.assumeTrue(run(Path.of("/"), "ldconfig -p | grep -q libfuse.so.2").code() == 0, "libfuse2 not installed");
  }

  static MountedCluster start(Path dir, int nodes) throws IOException {
    return start(dir, nodes, true);
  }

  /** {@code writeBack}: the mount's {@code dfs.mount.writeback}. */
  static MountedCluster start(Path dir, int nodes, boolean writeBack) throws IOException {
    assumeFuse();
    MiniDfsCluster cluster = MiniDfsCluster.start(dir.resolve("cluster"), nodes);
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    try {
      return new MountedCluster(cluster, MountCommand.mount(
          cluster.config().with(MountCommand.WRITE_BACK, Boolean.toString(writeBack)), mnt), mnt);
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Runs a bash command in {@code cwd}; output and error merged. */
  static Result run(Path cwd, String command) {
    try {
      Process p = new ProcessBuilder("bash", "-c", command).directory(cwd.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, out + "\n(timed out)");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  Result sh(String command) {
    return run(mnt.getParent(), command);
  }

  @Override
  public void close() throws IOException {
    try {
      mount.close();
    } finally {
      // never leave a stale mount behind, even if unmounting through jnr-fuse failed
      run(Path.of("/"), "fusermount -u -z " + mnt + " 2>/dev/null; true");
      cluster.close();
    }
  }

  static List<String> lines(String s) {
    return s.lines().filter(l -> !l.isBlank()).toList();
  }
}
