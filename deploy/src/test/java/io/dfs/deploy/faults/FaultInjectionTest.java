package io.dfs.deploy.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.deploy.local.LocalCluster;
import io.dfs.deploy.local.LocalClusterLayout;
import io.dfs.deploy.process.ManagedProcess;
import io.dfs.deploy.process.ProcessSpec;
import io.dfs.proto.FileStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real processes (3 metadata peers, 4 storage nodes) under a workload that writes, reads and
 * deletes files while faults are injected: kill -9 of a storage node, of the metadata leader,
 * restarts, flipped bytes in block files, and a node whose disk is full. At the end every
 * acknowledged file reads back identical, every block is at its replication factor, and no
 * replica is left on disk that no file references.
 */
class FaultInjectionTest {
  private static final int MiB = 1 << 20;
  @TempDir Path home;

  @Test
  void workloadSurvivesCrashesCorruptionAndAFullDisk() throws Exception {
    int basePort = freeBasePort();
    LocalClusterLayout layout = new LocalClusterLayout(home, home.resolve("mnt"), basePort, 4);
    layout.writeConfigIfAbsent(Map.of(
        ClusterConfig.BLOCK_SIZE, Integer.toString(MiB),
        ClusterConfig.HEARTBEAT_INTERVAL_MS, "300",
        ClusterConfig.DEAD_NODE_TIMEOUT_MS, "3000",
        "dfs.storage.scan.tick.ms", "200",
        "dfs.lease.hard.limit.ms", "3000",
        "dfs.storage.n4.capacity", Integer.toString(3 * MiB))); // n4's "disk" fills up almost at once
    ClusterConfig config = ClusterConfig.load(layout.configFile());
    LocalCluster cluster = new LocalCluster(layout, config, new PrintStream(PrintStream.nullOutputStream()));
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger operations = new AtomicInteger();
    AtomicInteger failedWrites = new AtomicInteger();
    int faults = 0;
    try {
      cluster.startCore();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread workload = new Thread(() -> runWorkload(config, acknowledged, operations, failedWrites, running));
      workload.start();
      try (DfsClient admin = new DfsClient(config, "faults")) {
        awaitFiles(acknowledged, 5);

        kill(layout.byName("n1"));
        faults++;
        awaitFiles(acknowledged, acknowledged.size() + 5);
        layout.byName("n1").start(List.of("-Xmx512m"));

        String leader = admin.clusterStatus().getLeaderId();
        kill(layout.byName(leader));
        faults++;
        awaitFiles(acknowledged, acknowledged.size() + 5);
        layout.byName(leader).start(List.of("-Xmx512m"));

        faults += corruptSomeReplicas(layout, 3);
        awaitFiles(acknowledged, acknowledged.size() + 5);

        kill(layout.byName("n2"));
        faults++;
        awaitFiles(acknowledged, acknowledged.size() + 3);
        layout.byName("n2").start(List.of("-Xmx512m"));
        faults++; // the full disk of n4, present throughout

        crashAWritingClient(layout, admin, home);
        faults++;
      } finally {
        running.set(false);
        workload.join();
      }

      try (DfsClient check = new DfsClient(config, "verifier")) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
            .untilAsserted(() -> assertThat(check.fsck("/").getProblemsList()).isEmpty());
        for (var e : acknowledged.entrySet()) {
          try (InputStream in = check.open(e.getKey())) {
            assertThat(sha256(in.readAllBytes())).as(e.getKey()).isEqualTo(e.getValue());
          }
        }
        // no orphans: every replica on disk belongs to a file; a complete file's blocks are each on
        // exactly RF disks (writes that failed mid-way leave files under construction, not counted)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
          Map<Long, Long> onDisk = replicasOnDisk(layout);
          Map<Long, Integer> referenced = referencedBlocks(check);
          assertThat(referenced.keySet()).containsAll(onDisk.keySet());
          referenced.forEach((block, rf) -> {
            if (rf > 0) {
              assertThat(onDisk.getOrDefault(block, 0L)).as("replicas of block %d", block).isEqualTo((long) rf);
            }
          });
        });
        System.out.printf("fault suite: %d operations, %d faults injected, %d files verified, %d writes refused%n",
            operations.get(), faults, acknowledged.size(), failedWrites.get());
        assertThat(acknowledged.size()).isGreaterThanOrEqualTo(20);
        // three nodes always have room, so no write may be refused: clients ride out every fault
        assertThat(failedWrites.get()).as("writes refused").isZero();
        ProcessDeadlockCheck.assertNone(layout.all());
      }
    } finally {
      cluster.stopAll(Duration.ofSeconds(10));
    }
  }

  /**
   * {@code dfs put} in its own process, kill -9'd once part of the file is stored: the leader must
   * complete the file when the writer's lease lapses, at a length whose bytes are the source's.
   */
  private static void crashAWritingClient(LocalClusterLayout layout, DfsClient admin, Path home) throws Exception {
    Path source = home.resolve("crash.bin");
    byte[] data = new byte[40 * MiB];
    new Random(99).nextBytes(data);
    Files.write(source, data);
    ManagedProcess writer = new ManagedProcess(new ProcessSpec("writer", "io.dfs.tools.cli.DfsCommand",
        List.of("--config", layout.configFile().toString(), "put", source.toString(), "/work/crashed.bin")),
        home.resolve("run"), home.resolve("logs"));
    writer.start(List.of("-Xmx256m"));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> admin.stat("/work/crashed.bin").getLength() >= 2 * MiB);
    kill(writer);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> !admin.stat("/work/crashed.bin").getUnderConstruction());
    long length = admin.stat("/work/crashed.bin").getLength();
    assertThat(length).isBetween(2L * MiB, (long) data.length);
    try (InputStream in = admin.open("/work/crashed.bin")) {
      assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(java.util.Arrays.copyOf(data, (int) length)));
    }
  }

  /** Writes files of random sizes, deletes a few, re-reads some; records what was acknowledged. */
  private static void runWorkload(ClusterConfig config, Map<String, byte[]> acknowledged, AtomicInteger operations,
      AtomicInteger failedWrites, AtomicBoolean running) {
    Random random = new Random(7);
    try (DfsClient fs = new DfsClient(config, "workload")) {
      fs.mkdirs("/work");
      for (int i = 0; running.get(); i++) {
        String path = "/work/f" + i;
        byte[] data = new byte[random.nextInt(3 * MiB)];
        random.nextBytes(data);
        try {
          try (OutputStream out = fs.create(path, CreateOptions.defaults())) {
            out.write(data);
          }
          acknowledged.put(path, sha256(data));
        } catch (Exception e) {
          // refused writes are allowed during faults; acknowledged ones must survive
          failedWrites.incrementAndGet();
          System.out.println("write of " + path + " refused: " + e);
        }
        operations.incrementAndGet();
        if (i % 7 == 6 && !acknowledged.isEmpty()) {
          String victim = acknowledged.keySet().iterator().next();
          try {
            fs.delete(victim, false);
            acknowledged.remove(victim);
          } catch (Exception ignored) {
            // retried implicitly by the next deletion
          }
          operations.incrementAndGet();
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The node's finalized replicas; the running node may delete some while they are listed. */
  private static List<Path> finalizedReplicas(Path storageDir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(storageDir)) {
        return files.filter(p -> p.toString().contains("finalized") && p.getFileName().toString().startsWith("blk_")
            && !p.getFileName().toString().endsWith(".meta")).toList();
      } catch (UncheckedIOException e) {
        if (!(e.getCause() instanceof NoSuchFileException) || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private static int corruptSomeReplicas(LocalClusterLayout layout, int count) throws Exception {
    List<Path> replicas = new ArrayList<>();
    for (String node : List.of("n1", "n2", "n3")) {
      replicas.addAll(finalizedReplicas(layout.storageDir(node)));
    }
    int done = 0;
    for (Path p : replicas) {
      if (done == count) {
        break;
      }
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        if (f.length() > 10) {
          f.seek(f.length() / 2);
          int b = f.read();
          f.seek(f.length() / 2);
          f.write(b ^ 0x5a);
          done++;
        }
      } catch (java.io.IOException ignored) {
        // the replica was deleted meanwhile
      }
    }
    return done;
  }

  /** Block id to the number of finalized replicas on all disks. */
  private static Map<Long, Long> replicasOnDisk(LocalClusterLayout layout) throws Exception {
    Map<Long, Long> out = new java.util.HashMap<>();
    for (String node : layout.nodeIds()) {
      try (Stream<Path> files = Files.walk(layout.storageDir(node))) {
        files.filter(p -> p.getParent().getFileName().toString().equals("finalized")
                && p.getFileName().toString().startsWith("blk_") && !p.getFileName().toString().endsWith(".meta"))
            .forEach(p -> out.merge(Long.parseLong(p.getFileName().toString().split("_")[1]), 1L, Long::sum));
      }
    }
    return out;
  }

  /** Every block a file references, with its replication (0 for files still under construction). */
  private static Map<Long, Integer> referencedBlocks(DfsClient fs) throws Exception {
    Map<Long, Integer> out = new java.util.HashMap<>();
    for (FileStatus f : fs.list("/work")) {
      int rf = f.getUnderConstruction() ? 0 : f.getReplication();
      fs.metadata().getBlockLocations(f.getPath(), 0, 0).getBlocksList()
          .forEach(b -> out.put(b.getBlock().getBlockId(), rf));
    }
    return out;
  }

  private static void awaitFiles(Map<String, byte[]> acknowledged, int atLeast) {
    await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= atLeast);
  }

  private static void kill(ManagedProcess p) throws java.io.IOException {
    assertThat(p.isAlive()).as(p.name() + " runs before it is killed; its log ends:\n"
        + tail(p.logFile())).isTrue();
    p.kill();
  }

  private static String tail(Path log) throws java.io.IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A base port whose whole range (base .. base+99) is free right now. */
  private static int freeBasePort() throws Exception {
    Random r = new Random();
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20000 + r.nextInt(400) * 100;
      boolean free = true;
      for (int p = base; p < base + 100 && free; p++) {
        try (ServerSocket s = new ServerSocket(p)) {
          s.setReuseAddress(true);
        } catch (java.io.IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range");
  }
}
