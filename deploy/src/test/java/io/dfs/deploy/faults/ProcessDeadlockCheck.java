package io.dfs.deploy.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.deploy.process.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fails a test when any of a cluster's running JVMs reports a Java-level deadlock (jstack). */
final class ProcessDeadlockCheck {
  private ProcessDeadlockCheck() {}

  static void assertNone(List<ManagedProcess> processes) throws IOException, InterruptedException {
    Path jstack = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jstack");
    for (ManagedProcess p : processes) {
      var handle = p.handle();
      if (handle.isEmpty()) {
        continue; // killed by the test and not restarted
      }
      Process dump = new ProcessBuilder(jstack.toString(), Long.toString(handle.get().pid()))
          .redirectErrorStream(true).start();
      String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(dump.waitFor(60, TimeUnit.SECONDS)).as("jstack of " + p.name() + " finished").isTrue();
      assertThat(out).as("jstack of " + p.name() + " ran").contains("Full thread dump");
      assertThat(out).as(p.name() + " has no deadlocked threads").doesNotContain("Java-level deadlock");
    }
  }
}
