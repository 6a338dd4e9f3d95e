package io.dfs.deploy.bench;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.fuse.MountCommand;
import io.dfs.proto.CompleteFileRequest;
import io.dfs.proto.CreateFileRequest;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MkdirRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code ls -l} (readdir and a stat of every entry) of one big directory through the mount. */
final class ListingThroughput {
  private ListingThroughput() {}

  /** Milliseconds of {@code ls -l} in a mount just started, and of the next one (past every cache's expiry). */
  record Ls(long firstMs, long againMs) {}

  /** Fills a directory with {@code entries} empty files, then times {@code ls -l} of it twice. */
  static Ls lsMillis(ClusterConfig config, Path work, int entries) throws Exception {
    String dir = "/bench-ls";
    try (MetadataClient c = MetadataClient.connect(config, "bench-ls")) {
      c.mkdir(MkdirRequest.newBuilder().setPath(dir).build());
      List<CompletableFuture<?>> chunk = new ArrayList<>();
      for (int i = 0; i < entries; i++) {
        String path = dir + "/f" + i;
        chunk.add(c.writeAsync(MetaRequest.newBuilder().setCreate(CreateFileRequest.newBuilder().setPath(path)
                .setClientId(c.clientId())).build())
            .thenCompose(r -> c.writeAsync(MetaRequest.newBuilder().setComplete(CompleteFileRequest.newBuilder()
                .setPath(path).setClientId(c.clientId())).build())));
        if (chunk.size() == 256 || i == entries - 1) {
          CompletableFuture.allOf(chunk.toArray(CompletableFuture[]::new)).join();
          chunk.clear();
        }
      }
    }
    Path mnt = Files.createDirectories(work.resolve("ls-mnt"));
    try (MountCommand mount = MountCommand.mount(config, mnt)) {
      long first = ls(mnt.resolve(dir.substring(1)), entries);
      Thread.sleep(2_000); // the kernel's and the mount's attributes have expired
      return new Ls(first, ls(mnt.resolve(dir.substring(1)), entries));
    }
  }

  private static long ls(Path dir, int entries) throws Exception {
    long start = System.nanoTime();
    Process p = new ProcessBuilder("sh", "-c", "ls -l " + dir + " | wc -l").redirectErrorStream(true).start();
    String lines = new String(p.getInputStream().readAllBytes()).trim();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || Long.parseLong(lines) != entries + 1) {
      throw new IllegalStateException("ls -l listed " + lines + " lines for " + entries + " entries");
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
