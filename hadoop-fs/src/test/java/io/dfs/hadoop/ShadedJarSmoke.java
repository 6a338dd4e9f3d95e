package io.dfs.hadoop;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What an engine does with the shaded jar, run by {@link ShadedJarIT} in a JVM whose classpath has
 * only Hadoop (with its own Netty), this class and {@code hadoop-fs-*-shaded.jar}: it uses nothing
 * but Hadoop's API. Exit 0 when a file round-trips through {@code dfs://}.
 */
public final class ShadedJarSmoke {
  private ShadedJarSmoke() {}

  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    conf.set("fs.dfs.contract.conf", args[0]);
    byte[] data = "written through the shaded jar".getBytes(StandardCharsets.UTF_8);
    try (FileSystem fs = FileSystem.get(URI.create("dfs://contract/"), conf)) {
      Path p = new Path("/shaded/smoke.txt");
      try (OutputStream out = fs.create(p, true)) {
        out.write(data);
      }
      byte[] back;
      try (InputStream in = fs.open(p)) {
        back = in.readAllBytes();
      }
      if (!java.util.Arrays.equals(back, data)) {
        System.err.println("read back " + new String(back, StandardCharsets.UTF_8));
        System.exit(2);
      }
      System.out.println("ok " + fs.getClass().getName() + " " + fs.getFileChecksum(p));
    }
  }
}
