package io.dfs.deploy.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Whether this machine can mount with FUSE, and the mount table checks the launcher needs. */
final class FuseSupport {
  private FuseSupport() {}

  /** Null when FUSE works here, else what to install or enable. */
  static String whatIsMissing() {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "/dev/fuse is absent (FUSE is not available on this machine or container)";
    }
    if (!onPath("fusermount")) {
      return "fusermount is not installed (apt-get install fuse libfuse2)";
    }
    if (!run("sh", "-c", "ldconfig -p | grep -q 'libfuse.so.2'")) {
      return "libfuse.so.2 is not installed (apt-get install libfuse2)";
    }
    return null;
  }

  static boolean isMounted(Path mountPoint) {
    try {
      String target = " " + mountPoint.toAbsolutePath().normalize() + " ";
      return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(target));
    } catch (IOException e) {
      return false;
    }
  }

  static void unmountIfMounted(Path mountPoint) {
    if (isMounted(mountPoint)) {
      run("fusermount", "-u", "-z", mountPoint.toString());
    }
  }

  private static boolean onPath(String program) {
    return run("sh", "-c", "command -v " + program + " >/dev/null");
  }

  private static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
