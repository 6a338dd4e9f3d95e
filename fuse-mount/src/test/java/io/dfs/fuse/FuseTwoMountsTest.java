package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.metadata.testing.DeadlockCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two mounts of one cluster (two client sessions, as two machines would have). Locks: flock(1)
 * and fcntl locks of each are seen by the other, a blocked locker gets the lock once the holder
 * lets go, and a holder killed with SIGKILL lets go by dying. Open files: a file one mount has open
 * stays that descriptor's file when the other removes, renames or replaces it, as on one machine.
 */
class FuseTwoMountsTest {
  @TempDir static Path dir;
  static MountedCluster m;
  static MountCommand second;
  static Path mnt2;

  @BeforeAll
  static void mount() throws Exception {
    m = MountedCluster.start(dir, 1);
    mnt2 = Files.createDirectories(dir.resolve("mnt2"));
    second = MountCommand.mount(m.cluster.config(), mnt2);
  }

  @AfterAll
  static void unmount() throws Exception {
    try {
      if (second != null) {
        second.close();
        MountedCluster.run(Path.of("/"), "fusermount -u -z " + mnt2 + " 2>/dev/null; true");
      }
    } finally {
      if (m != null) {
        m.close();
      }
    }
    DeadlockCheck.assertNoDeadlock();
  }

  /** A shell command started in the background, and the first line it prints (once it is holding). */
  private static Process holding(String command) throws IOException {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    assertThat(first).as("the holder's first line").isEqualTo("held");
    return p;
  }

  @Test
  void flockHeldThroughOneMountExcludesTheOtherUntilItsHolderIsKilled() throws Exception {
    m.sh("echo data > mnt/flocked");
    // -o: the lock is flock(1)'s own descriptor, not the child's, so killing flock releases it
    Process holder = holding("exec flock -o -x mnt/flocked -c 'echo held; exec sleep 600'");
    try {
      assertThat(m.sh("flock -n -x mnt2/flocked -c true").code()).as("exclusive through the other mount").isEqualTo(1);
      assertThat(m.sh("flock -n -s mnt2/flocked -c true").code()).as("shared through the other mount").isEqualTo(1);
      CompletableFuture<MountedCluster.Result> waiter = CompletableFuture.supplyAsync(
          () -> m.sh("flock -x mnt2/flocked -c 'echo got it'"));
      Thread.sleep(1_500);
      assertThat(waiter).as("a blocked flock waits while the lock is held").isNotDone();

      long killed = System.nanoTime();
      holder.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      MountedCluster.Result got = waiter.get(30, TimeUnit.SECONDS);
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      assertThat(got.out()).contains("got it");
      assertThat(waitedMs).as("the waiter got the lock soon after the holder died").isLessThan(5_000);
      // and once that waiter is done, the file is free on both mounts
      assertThat(m.sh("flock -n -x mnt/flocked -c true").code()).isZero();
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void whatOneMountWroteUnderALockIsWhatTheNextHolderOnAnotherMountReads() {
    m.sh("touch mnt/guard");
    for (int round = 0; round < 5; round++) {
      // written under the lock through the first mount, read under it through the second at once
      MountedCluster.Result wrote = m.sh("head -c 700000 /dev/urandom > expected"
          + " && flock mnt/guard -c 'cp expected mnt/guarded'");
      assertThat(wrote.code()).as(wrote.out()).isZero();
      MountedCluster.Result read = m.sh("flock mnt2/guard -c 'cmp mnt2/guarded expected'");
      assertThat(read.code()).as("round %d: %s", round, read.out()).isZero();
    }
  }

  @Test
  void fcntlRangeLocksAreSeenAcrossMountsWithTheHoldersRange() throws Exception {
    m.sh("head -c 4096 /dev/zero > mnt/ranges");
    // bytes 100..199 locked exclusively through the first mount until stdin closes
    Process holder = holding("exec python3 -u -c \"import fcntl, os, sys\n"
        + "fd = os.open('mnt/ranges', os.O_RDWR)\n"
        + "fcntl.lockf(fd, fcntl.LOCK_EX, 100, 100)\n"
        + "print('held')\nsys.stdin.read()\"");
    try {
      String probe = "python3 -c \"import fcntl, os, struct\n"
          + "fd = os.open('mnt2/ranges', os.O_RDWR)\n"
          + "try:\n  fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 150)\n  print('took 150')\n"
          + "except OSError as e:\n  print('refused 150', e.errno)\n"
          + "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 50, 200)\nprint('took 200')\n"
          + "got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 0, 0))\n"
          + "t, w, start, length, pid = struct.unpack('hhqqi', got)\n"
          + "print('in the way', t == fcntl.F_WRLCK, start, length, pid == " + holder.pid() + ")\"";
      String out = m.sh(probe).out();
      assertThat(out).contains("refused 150 11").contains("took 200").contains("in the way True 100 100 True");

      CompletableFuture<MountedCluster.Result> waiter = CompletableFuture.supplyAsync(() -> m.sh(
          "python3 -c \"import fcntl, os\nfd = os.open('mnt2/ranges', os.O_RDWR)\n"
              + "fcntl.lockf(fd, fcntl.LOCK_EX, 0, 0)\nprint('whole file')\""));
      Thread.sleep(1_500);
      assertThat(waiter).isNotDone();
      holder.getOutputStream().close(); // the holder exits: its close lets go of its locks
      assertThat(holder.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(waiter.get(30, TimeUnit.SECONDS).out()).contains("whole file");
    } finally {
      holder.destroyForcibly();
    }
  }

  /** A python process on the mount: runs {@code before}, prints "held", waits for a line, runs {@code after}. */
  private static Process python(String before, String after) throws IOException {
    return holding("exec python3 -u -c \"import os, sys, time, hashlib\n" + before
        + "\nprint('held')\nsys.stdin.readline()\n" + after + "\"");
  }

  private static String go(Process p) throws Exception {
    p.getOutputStream().write('\n');
    p.getOutputStream().flush();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void aFileOpenOnOneMountIsReadWholeAfterTheOtherMountRemovesIt() throws Exception {
    m.sh("head -c 3000000 /dev/urandom > open-unlinked && cp open-unlinked mnt/open-unlinked");
    String expected = m.sh("sha256sum < open-unlinked").out().split(" ")[0];
    // nothing read before the rm: no page of it is in the reader's kernel cache
    Process reader = python("f = open('mnt/open-unlinked', 'rb')\ntime.sleep(1.5)",
        "print(hashlib.sha256(f.read()).hexdigest())");
    try {
      assertThat(m.sh("rm mnt2/open-unlinked && ls mnt2/open-unlinked").code()).isNotZero();
      Thread.sleep(4_000); // past the leader's grace for unlinked files (2 s here)
      assertThat(go(reader)).isEqualTo(expected);
    } finally {
      reader.destroyForcibly();
    }
  }

  @Test
  void aFileBeingWrittenOnOneMountKeepsItsBytesWhenTheOtherRenamesOrRemovesIt() throws Exception {
    m.sh("head -c 3000000 /dev/urandom > being-written");
    String expected = m.sh("sha256sum < being-written").out().split(" ")[0];
    Process writer = python("src = open('being-written', 'rb')\n"
        + "a = open('mnt/being-written', 'wb')\na.write(src.read(1500000))\na.flush()\n"
        + "b = open('mnt/doomed', 'wb')\nb.write(b'x' * 1500000)\nb.flush()",
        "a.write(src.read())\na.close()\nb.write(b'y' * 1500000)\nb.close()\nprint('closed')");
    try {
      assertThat(m.sh("mv mnt2/being-written mnt2/renamed && rm mnt2/doomed").code()).isZero();
      assertThat(go(writer)).isEqualTo("closed");
      assertThat(m.sh("sha256sum < mnt2/renamed").out().split(" ")[0]).isEqualTo(expected);
      assertThat(m.sh("ls mnt2/being-written mnt2/doomed mnt/doomed").code()).as("no name came back").isNotZero();
    } finally {
      writer.destroyForcibly();
    }
  }
}
