package io.dfs.deploy.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.PemFiles;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.metadata.security.ClusterCertificates;
import io.dfs.metadata.testing.DeadlockCheck;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code dfs.gateway.https} the gateway serves HTTPS under its own certificate, which a
 * browser or curl checks against the cluster's authority; the processes' metrics endpoints serve
 * HTTPS to cluster members only, and the dashboard still reads them.
 */
class GatewayHttpsTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static GatewayServer gateway;
  static Path tlsDir;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 2);
    tlsDir = Path.of(cluster.config().get(ClusterTls.DIR).orElseThrow());
    cluster.metadata().tls(new ServiceIdentity(ClusterCertificates.GATEWAY_IDENTITY, ServiceIdentity.Role.WEB));
    gateway = GatewayServer.start(cluster.config().with(ClusterCertificates.GATEWAY_HTTPS, "true"), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    cluster.close();
    DeadlockCheck.assertNoDeadlock();
  }

  /** What curl --cacert ca.crt does: trust the cluster's authority, show no certificate. */
  static HttpClient trustingTheAuthority() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    int i = 0;
    for (Certificate c : PemFiles.certificates(tlsDir.resolve(ClusterTls.CA_CERTIFICATE))) {
      trusted.setCertificateEntry("ca" + i++, c);
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  static HttpRequest.Builder request(String scheme, int port, String path) {
    return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + gateway.token());
  }

  @Test
  void theGatewayServesHttpsUnderItsCertificateAndNoPlainHttp() throws Exception {
    assertThat(gateway.url("127.0.0.1")).startsWith("https://");
    HttpClient https = trustingTheAuthority();
    var created = https.send(request("https", gateway.port(), "/create_directory")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("directory_name=/over-https")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(https.send(request("https", gateway.port(), "/list").build(), HttpResponse.BodyHandlers.ofString())
        .body()).contains("/over-https");
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(request("https", gateway.port(), "/list").build(),
        HttpResponse.BodyHandlers.ofString())).as("a client that does not trust the cluster's authority")
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(request("http", gateway.port(), "/list").build(),
        HttpResponse.BodyHandlers.ofString())).as("plain HTTP").isInstanceOf(IOException.class);
  }

  @Test
  void metricsAreServedOnlyToClusterMembersAndTheDashboardReadsThem() throws Exception {
    int metricsPort = cluster.node(0).httpServer().orElseThrow().port();
    assertThatThrownBy(() -> trustingTheAuthority().send(request("https", metricsPort, "/metrics").build(),
        HttpResponse.BodyHandlers.ofString())).as("no client certificate").isInstanceOf(IOException.class);
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(request("http", metricsPort, "/metrics").build(),
        HttpResponse.BodyHandlers.ofString())).as("plain HTTP").isInstanceOf(IOException.class);
    HttpClient member = HttpClient.newBuilder()
        .sslContext(ClusterTls.load(tlsDir, ClusterTls.DEFAULT_CLIENT_IDENTITY).jdkContext()).build();
    var metrics = member.send(request("https", metricsPort, "/metrics").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("\"timers\"");

    try (var out = cluster.newFileSystem("writer").create("/timed.bin", io.dfs.client.fs.CreateOptions.defaults())) {
      out.write(new byte[100_000]); // every node's timers get calls, so each has rows
    }
    JsonNode rows = new ObjectMapper().readTree(trustingTheAuthority().send(request("https", gateway.port(),
        "/api/latency").build(), HttpResponse.BodyHandlers.ofString()).body()).get("latency");
    List<String> errors = new ArrayList<>();
    List<String> processes = new ArrayList<>();
    rows.forEach(r -> {
      processes.add(r.path("process").asText());
      if (r.has("error")) {
        errors.add(r.path("process").asText() + ": " + r.get("error").asText());
      }
    });
    assertThat(errors).as("every process's metrics read over HTTPS").isEmpty();
    assertThat(processes).contains("n1", "n2");
  }

  @Test
  void aWebCertificateCannotActAsAClientOfTheCluster() {
    ClusterTls web = ClusterTls.forIdentity(cluster.config(), ClusterCertificates.GATEWAY_IDENTITY);
    HttpClient asWeb = HttpClient.newBuilder().sslContext(web.jdkContext()).build();
    int metricsPort = cluster.node(0).httpServer().orElseThrow().port();
    assertThatThrownBy(() -> asWeb.send(request("https", metricsPort, "/metrics").build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }
}
