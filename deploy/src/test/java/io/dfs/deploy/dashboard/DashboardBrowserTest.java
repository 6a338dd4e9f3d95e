package io.dfs.deploy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.fs.DfsClient;
import io.dfs.deploy.gateway.GatewayServer;
import io.dfs.proto.NodeState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard rendered by real headless Chromium shows what the cluster says, live. */
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  @TempDir Path dir;

  /** Loads the page, lets its scripts poll for a few seconds, returns the DOM as rendered. */
  private String render(int port, String token, Path profile, Path screenshot) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        "--virtual-time-budget=6000", "--window-size=1280,1000"));
    cmd.add(screenshot == null ? "--dump-dom" : "--screenshot=" + screenshot);
    cmd.add("http://127.0.0.1:" + port + "/?token=" + token); // as dfs local start prints it
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String dom = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    return dom;
  }

  private static String text(String dom, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\"[^>]*>([^<]*)<").matcher(dom);
    return m.find() ? m.group(1) : "";
  }

  @Test
  void pageShowsTheClusterAndANodeDeathLive() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
    try (MiniDfsCluster cluster = MiniDfsCluster.start(dir.resolve("cluster"), 3);
         GatewayServer gateway = GatewayServer.start(cluster.config(), "127.0.0.1", 0);
         DfsClient client = new DfsClient(cluster.config(), "dash")) {
      client.mkdirs("/dash/a");
      // a new leader is in safe mode for a few heartbeats (the badge says so); healthy after that
      await().atMost(Duration.ofSeconds(30)).until(() -> !client.clusterStatus().getSafeMode());
      String dom = render(gateway.port(), gateway.token(), dir.resolve("profile1"), null);
      assertThat(text(dom, "nodes-live")).isEqualTo("3");
      assertThat(text(dom, "nodes-dead")).isEqualTo("0");
      assertThat(text(dom, "leader")).isEqualTo(client.clusterStatus().getLeaderId());
      assertThat(text(dom, "peers-up")).isEqualTo("3 / 3");
      assertThat(text(dom, "health")).isEqualTo("HEALTHY");
      assertThat(dom).contains("id=\"node-row-n1\"").contains("id=\"node-row-n3\"");

      cluster.stopNode(1);
      await().atMost(Duration.ofSeconds(60)).until(() -> client.clusterStatus().getNodesList().stream()
          .anyMatch(n -> n.getNodeId().equals("n2") && n.getState() == NodeState.DEAD));
      dom = render(gateway.port(), gateway.token(), dir.resolve("profile2"), null);
      assertThat(text(dom, "nodes-live")).isEqualTo("2");
      assertThat(text(dom, "nodes-dead")).isEqualTo("1");
      assertThat(dom).containsPattern("id=\"node-row-n2\"[^>]*data-state=\"DEAD\"");
      assertThat(text(dom, "health")).isEqualTo("DEGRADED");

      Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
      Files.createDirectories(shot.getParent());
      render(gateway.port(), gateway.token(), dir.resolve("profile3"), shot);
      assertThat(shot).exists();
      assertThat(Files.size(shot)).isGreaterThan(10_000);
    }
  }
}
