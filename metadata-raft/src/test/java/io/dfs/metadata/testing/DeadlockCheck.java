package io.dfs.metadata.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Fails a cluster test when any threads of this JVM are deadlocked on monitors or locks. */
public final class DeadlockCheck {
  private DeadlockCheck() {}

  public static void assertNoDeadlock() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] ids = threads.findDeadlockedThreads();
    if (ids == null) {
      return;
    }
    String dump = Arrays.stream(threads.getThreadInfo(ids, true, true))
        .map(ThreadInfo::toString).collect(Collectors.joining("\n"));
    throw new AssertionError("deadlocked threads:\n" + dump);
  }
}
