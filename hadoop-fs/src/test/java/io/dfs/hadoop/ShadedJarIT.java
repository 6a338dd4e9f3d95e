package io.dfs.hadoop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shaded jar works on its own next to another Netty: a separate JVM with Hadoop and its
 * dependencies (Netty included), the shaded jar and no other part of ours writes and reads a file
 * on a real cluster. Runs after packaging (failsafe), when the shaded jar exists.
 */
@ExtendWith(DfsClusterExtension.class)
class ShadedJarIT {
  @Test
  void aFileRoundTripsWithOnlyTheShadedJarAndHadoop() throws Exception {
    Path shaded;
    try (Stream<Path> jars = Files.list(Path.of("target"))) {
      shaded = jars.filter(p -> p.getFileName().toString().endsWith("-shaded.jar")).findFirst().orElseThrow();
    }
    List<String> classpath = new ArrayList<>();
    classpath.add(shaded.toAbsolutePath().toString());
    classpath.add(Path.of("target/test-classes").toAbsolutePath().toString()); // ShadedJarSmoke only
    boolean nettyPresent = false;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      boolean ours = entry.contains("/io/dfs/") || entry.endsWith("classes") || name.startsWith("protobuf-java")
          || name.startsWith("ratis-") || name.startsWith("metrics-");
      if (!ours) {
        classpath.add(entry);
        nettyPresent |= name.startsWith("netty-");
      }
    }
    assertThat(nettyPresent).as("Hadoop's own Netty is on the engine's classpath").isTrue();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", String.join(File.pathSeparator, classpath), ShadedJarSmoke.class.getName(),
        DfsContract.configFile().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("ok io.dfs.hadoop.DfsHadoopFileSystem").contains("COMPOSITE-CRC32C");
  }
}
