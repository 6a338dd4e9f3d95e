package io.dfs.fuse;

import com.codahale.metrics.MetricRegistry;
import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.DfsClient;
import io.dfs.observability.MetricsHttpServer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dfs mount}: mounts the cluster at a directory until stopped (SIGTERM or Ctrl-C unmount cleanly). */
@Command(name = "dfs mount", mixinStandardHelpOptions = true, description = "Mount the file system with FUSE.")
public final class MountCommand implements Callable<Integer>, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MountCommand.class);
  /**
   * Kernel attribute/entry cache: short, so other clients' changes show within a second. The
   * kernel checks every access against the owner, group and mode bits the mount reports
   * ({@code default_permissions}: the same rules as a local disk, sticky directories and chown
   * included).
   */
  static final List<String> FUSE_OPTIONS = List.of("-o", "fsname=dfs", "-o", "big_writes", "-o", "max_read=1048576",
      "-o", "attr_timeout=1", "-o", "entry_timeout=1", "-o", "default_permissions",
      // st_ino is the namespace's inode id: stable across mounts (git's index keeps it) and the
      // same for every name of a hard-linked entry (tar, rsync -H, cp -a and du find links by it)
      "-o", "use_ino");

  /**
   * Other users may use the mount ({@code allow_other}) when the kernel lets this user say so: as
   * root, or when /etc/fuse.conf has {@code user_allow_other}; otherwise only the mounting user can.
   */
  static List<String> fuseOptions() {
    List<String> options = new java.util.ArrayList<>(FUSE_OPTIONS);
    if (DfsFuse.MOUNTING_USER.getUid() == 0 || userAllowOther()) {
      options.addAll(List.of("-o", "allow_other"));
    } else {
      LOG.info("mounting for this user only: other users need user_allow_other in /etc/fuse.conf (docs/fuse.md)");
    }
    return options;
  }

  private static boolean userAllowOther() {
    try {
      return Files.readAllLines(Path.of("/etc/fuse.conf")).stream().map(String::trim)
          .anyMatch("user_allow_other"::equals);
    } catch (IOException e) {
      return false;
    }
  }

  @Option(names = "--config", required = true, description = "cluster.properties")
  private Path configFile;

  @Parameters(paramLabel = "MOUNTPOINT", description = "an existing empty directory")
  private Path mountPoint;

  /** Whether close(2) returns before the file is completed in the cluster (docs/fuse.md). */
  public static final String WRITE_BACK = "dfs.mount.writeback";

  private final MetricRegistry metrics = new MetricRegistry();
  private DfsClient client;
  private DfsFuse fuse;
  private MetricsHttpServer http;
  private Path spillDir;

  public MountCommand() {}

  /** Mounts without blocking; {@link #close} unmounts. */
  public static MountCommand mount(ClusterConfig config, Path mountPoint) throws IOException {
    MountCommand m = new MountCommand();
    m.mountPoint = mountPoint;
    m.start(config);
    return m;
  }

  private void start(ClusterConfig config) throws IOException {
    client = new DfsClient(config, "mount-" + ProcessHandle.current().pid());
    metrics.register("", client.metadata().metrics()); // client.<op> timers next to fuse.<callback>
    spillDir = Files.createTempDirectory("dfs-mount-spill");
    boolean writeBack = Boolean.parseBoolean(config.get(WRITE_BACK).orElse("true"));
    if (writeBack) {
      // with write-behind, a new file reaches the cluster after close anyway: its create may too
      client.metadata().delegations().enable();
    }
    fuse = new DfsFuse(client, spillDir, metrics, writeBack);
    fuse.mount(mountPoint, false, false, fuseOptions().toArray(String[]::new));
  }

  public MetricRegistry metrics() {
    return metrics;
  }

  @Override
  public synchronized void close() throws IOException {
    if (fuse != null) {
      fuse.umount();
      try {
        fuse.drain(); // files closed before the unmount are completed before the client goes
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      fuse = null;
    }
    if (http != null) {
      http.close();
    }
    if (client != null) {
      client.close();
    }
  }

  @Override
  public Integer call() throws Exception {
    ClusterConfig config = ClusterConfig.load(configFile);
    start(config);
    // the gateway on this host reads it for the dashboard
    http = MetricsHttpServer.startIfConfigured(config, "dfs.mount.http.port", "127.0.0.1", metrics,
        client.metadata().tls()).orElse(null);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close();
      } catch (IOException ignored) {
        // exiting
      }
    }, "unmount"));
    System.out.println("mounted dfs at " + mountPoint.toAbsolutePath() + " (Ctrl-C unmounts)");
    Thread.currentThread().join();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MountCommand()).execute(args));
  }
}
