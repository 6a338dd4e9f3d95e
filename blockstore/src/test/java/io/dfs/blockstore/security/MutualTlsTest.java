package io.dfs.blockstore.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dfs.blockstore.testing.MiniDfsCluster;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.error.PermissionDeniedException;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.metadata.RpcFrames;
import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.metadata.nodeprotocol.NodeProtocolClient;
import io.dfs.metadata.security.CertificateAuthority;
import io.dfs.proto.ClientCall;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.RecoverLeaseRequest;
import io.dfs.proto.StatRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every port of a cluster speaks only mutual TLS with certificates of the cluster's authority, and
 * the identity a certificate proves limits what its holder may call.
 */
class MutualTlsTest {
  @TempDir static Path dir;
  static MiniDfsCluster cluster;
  static DfsFileSystem fs;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniDfsCluster.start(dir, 3);
    fs = cluster.newFileSystem("tls-client");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void filesCrossEveryHopEncryptedAndComeBackExact() throws Exception {
    assertThat(((DfsClient) fs).metadata().tls().enabled()).isTrue();
    byte[] data = new byte[(3 << 20) + 12345]; // several 1 MiB blocks, each through a 3-node pipeline
    new Random(7).nextBytes(data);
    try (OutputStream out = fs.create("/tls/file", CreateOptions.defaults().withCreateParents(true))) {
      out.write(data);
    }
    try (InputStream in = fs.open("/tls/file")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  /** Every port: each peer's Raft (gRPC) and RPC ports, each node's transfer port. */
  private static List<InetSocketAddress> everyPort() {
    List<InetSocketAddress> ports = new ArrayList<>();
    for (PeerAddress p : cluster.config().metadataPeers()) {
      ports.add(new InetSocketAddress(p.host(), p.port()));
      PeerAddress rpc = cluster.config().rpcAddress(p.id());
      ports.add(new InetSocketAddress(rpc.host(), rpc.port()));
    }
    for (int i = 0; i < cluster.nodeCount(); i++) {
      NodeInfo n = cluster.node(i).info();
      ports.add(new InetSocketAddress(n.getHost(), n.getDataPort()));
    }
    return ports;
  }

  private static byte[] statCall() {
    ByteBuf frame = RpcFrames.encode(ClientCall.newBuilder().setCallId(1).setClientId("intruder")
        .setRequest(MetaRequest.newBuilder().setStat(StatRequest.newBuilder().setPath("/"))).build());
    try {
      byte[] body = ByteBufUtil.getBytes(frame);
      byte[] out = new byte[4 + body.length];
      java.nio.ByteBuffer.wrap(out).putInt(body.length).put(body);
      return out;
    } finally {
      frame.release();
    }
  }

  @Test
  void aClientSpeakingInTheClearGetsNothingButATlsAlertFromAnyPort() throws Exception {
    for (InetSocketAddress port : everyPort()) {
      try (Socket s = new Socket()) {
        s.connect(port, 5_000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(statCall());
        s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        byte[] answer = readUntilClosed(s.getInputStream());
        // 0x15: a TLS alert record; a server in the clear would answer the call (or HTTP/2) instead
        assertThat(answer.length == 0 || answer[0] == 0x15).as("answer of %s: %s", port, hex(answer)).isTrue();
      }
    }
  }

  @Test
  void aClientWithoutACertificateOrWithAnotherAuthoritysIsRefusedByEveryPort() throws Exception {
    ClusterTls real = ClusterTls.load(Path.of(cluster.config().get(ClusterTls.DIR).orElseThrow()), "client");
    Path elsewhere = dir.resolve("other-authority");
    CertificateAuthority.openOrCreate(elsewhere).issue(new ServiceIdentity("client", ServiceIdentity.Role.CLIENT),
        List.of("127.0.0.1"));
    ClusterTls foreign = ClusterTls.load(elsewhere, "client");
    for (KeyManager[] keys : new KeyManager[][] {null, foreign.keyManagers().getKeyManagers()}) {
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(keys, real.trustManagers().getTrustManagers(), null); // it trusts the servers, they must not trust it
      for (InetSocketAddress port : everyPort()) {
        String who = (keys == null ? "no certificate" : "another authority's certificate") + " at " + port;
        assertThatThrownBy(() -> {
          try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(port.getHostString(), port.getPort())) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getOutputStream().write(statCall());
            s.getOutputStream().flush();
            if (s.getInputStream().read() < 0) {
              throw new IOException("closed without an answer");
            }
          }
        }).as(who).isInstanceOf(IOException.class);
      }
    }
    // the cluster's own client certificate is let in (the refusals above are about the certificate)
    try (MetadataClient c = MetadataClient.connect(cluster.config(), "real", real)) {
      assertThat(c.stat("/").getType()).isEqualTo(io.dfs.proto.FileType.DIRECTORY);
    }
  }

  @Test
  void aNodeCanSpeakOnlyUnderTheIdInItsCertificate() throws Exception {
    NodeInfo n1 = cluster.node(0).info();
    NodeInfo forged = n1.toBuilder().setHost("127.0.0.66").setDataPort(1).build();
    try (NodeProtocolClient n2 = new NodeProtocolClient(cluster.config(), cluster.metadata().nodeTls("n2"));
         NodeProtocolClient client = new NodeProtocolClient(cluster.config(), ClusterTls.forClient(cluster.config()))) {
      assertThatThrownBy(() -> n2.register(forged)).isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("storage node n2 cannot speak for node n1");
      assertThatThrownBy(() -> n2.heartbeat(forged)).isInstanceOf(PermissionDeniedException.class);
      assertThatThrownBy(() -> client.register(forged)).isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("client is not a storage node");
    }
    var leader = cluster.metadata().peer(cluster.metadata().leaderId());
    NodeInfo known = leader.blocks().nodes().stream().filter(n -> n.getNodeId().equals("n1")).findFirst().orElseThrow();
    assertThat(known.getHost() + ":" + known.getDataPort()).isEqualTo(n1.getHost() + ":" + n1.getDataPort());
  }

  @Test
  void onlyAPeerCompletesAnotherWritersFileAndNodesMakeNoNamespaceCalls() throws Exception {
    try (MetadataClient client = MetadataClient.connect(cluster.config(), "not-a-peer");
         MetadataClient node = MetadataClient.connect(cluster.config(), "a-node", cluster.metadata().nodeTls("n3"))) {
      assertThatThrownBy(() -> client.write(MetaRequest.newBuilder().setRecoverLease(RecoverLeaseRequest.newBuilder()
          .setPath("/tls/file").setClientId("someone")).build()))
          .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("not a metadata peer");
      assertThatThrownBy(() -> node.write(MetaRequest.newBuilder().setMkdir(MkdirRequest.newBuilder()
          .setPath("/from-a-node")).build()))
          .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("makes no namespace calls");
    }
    assertThat(fs.exists("/from-a-node")).isFalse();
  }

  private static byte[] readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        all.write(buf, 0, n);
      }
    } catch (java.net.SocketException reset) {
      // a reset after the alert is a close too
    }
    return all.toByteArray();
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(b.length, 16); i++) {
      s.append(String.format("%02x", b[i]));
    }
    return s.toString();
  }
}
