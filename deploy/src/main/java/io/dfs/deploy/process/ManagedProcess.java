package io.dfs.deploy.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A dfs process started in its own JVM, tracked by a pid file so that any later command (status,
 * kill-node, stop) can find it, not only the command that started it. Output goes to a log file
 * so the process outlives the command that launched it.
 */
public final class ManagedProcess {
  private final ProcessSpec spec;
  private final Path pidFile;
  private final Path logFile;

  public ManagedProcess(ProcessSpec spec, Path runDir, Path logDir) {
    this.spec = spec;
    this.pidFile = runDir.resolve(spec.name() + ".pid");
    this.logFile = logDir.resolve(spec.name() + ".log");
  }

  public String name() {
    return spec.name();
  }

  public Path logFile() {
    return logFile;
  }

  /** Starts the process unless it already runs; returns its pid. */
  public long start(List<String> jvmOptions) throws IOException {
    Optional<ProcessHandle> running = handle();
    if (running.isPresent()) {
      return running.get().pid();
    }
    Files.createDirectories(pidFile.getParent());
    Files.createDirectories(logFile.getParent());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // first on the command line, where it survives the kernel's truncation of long command lines
    command.add(marker());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(spec.mainClass());
    command.addAll(spec.args());
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    Files.writeString(pidFile, Long.toString(process.pid()), StandardCharsets.US_ASCII);
    return process.pid();
  }

  /** The live process, if the pid file names one that still runs this spec's main class. */
  public Optional<ProcessHandle> handle() {
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
      // A recycled pid belongs to some other program: only trust it if it carries our marker.
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> h.info().commandLine().map(c -> c.contains(marker())).orElse(true));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private String marker() {
    return "-Ddfs.process=" + spec.name() + ":" + spec.mainClass();
  }

  public boolean isAlive() {
    return handle().isPresent();
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
  public void stop(Duration grace) {
    handle().ifPresent(h -> {
      h.destroy();
      try {
        h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    });
    deletePidFile();
  }

  /** SIGKILL: the process gets no chance to clean up, as in a crash. */
  public void kill() {
    handle().ifPresent(h -> {
      h.destroyForcibly();
      h.onExit().join();
    });
    deletePidFile();
  }

  private void deletePidFile() {
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // a stale pid file is re-validated on the next read
    }
  }
}
