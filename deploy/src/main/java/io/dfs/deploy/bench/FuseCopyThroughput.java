package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.fuse.MountCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** {@code cp} of one file into and out of a FUSE mount of the cluster. */
final class FuseCopyThroughput {
  private FuseCopyThroughput() {}

  record Result(double inMiBps, double outMiBps) {}

  static Result run(ClusterConfig config, Path work, long bytes) throws Exception {
    Path mnt = Files.createDirectories(work.resolve("mnt"));
    Path source = work.resolve("cp-source.bin");
    byte[] buf = new byte[1 << 20];
    new Random(2).nextBytes(buf);
    try (var out = Files.newOutputStream(source)) {
      for (long left = bytes; left > 0; left -= buf.length) {
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    try (MountCommand mount = MountCommand.mount(config, mnt)) {
      long start = System.nanoTime();
      cp(source, mnt.resolve("cp.bin"));
      double in = DataThroughput.mib(bytes) / DataThroughput.seconds(start);
      Path back = work.resolve("cp-back.bin");
      DiskBaseline.dropPageCache();
      start = System.nanoTime();
      cp(mnt.resolve("cp.bin"), back);
      double out = DataThroughput.mib(bytes) / DataThroughput.seconds(start);
      if (Files.size(back) != bytes) {
        throw new IllegalStateException("copied back " + Files.size(back) + " of " + bytes + " bytes");
      }
      Files.delete(back);
      Files.delete(mnt.resolve("cp.bin"));
      return new Result(in, out);
    } finally {
      Files.deleteIfExists(source);
    }
  }

  private static void cp(Path from, Path to) throws Exception {
    Process p = new ProcessBuilder("cp", from.toString(), to.toString()).inheritIO().start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("cp " + from + " " + to + " failed");
    }
  }

  /** Null when FUSE works here, else why not. */
  static String unavailable() {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "no /dev/fuse";
    }
    try {
      Process p = new ProcessBuilder("sh", "-c", "command -v fusermount && ldconfig -p | grep -q libfuse.so.2")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor() == 0 ? null : "fuse/libfuse2 not installed";
    } catch (Exception e) {
      return e.toString();
    }
  }
}
