package io.dfs.client.tls;

import io.dfs.client.config.ClusterConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One process's mutual TLS: its own certificate and key, and the cluster's authority as the only
 * one it trusts, so both ends of every connection prove they belong to the cluster. Servers demand
 * a client certificate; clients check the server's certificate names the host they dialled. When
 * {@code dfs.tls.dir} is not set the cluster runs in the clear (a trusted network) and every method
 * leaves connections as they are.
 *
 * <p>The directory holds {@code ca.crt} and, per identity, {@code <name>.crt} and {@code <name>.key}
 * (PEM, the key in PKCS#8), as {@code dfs security init} writes them.
 */
public final class ClusterTls {
  /** Directory of the cluster's certificates; unset (or empty) means no TLS. */
  public static final String DIR = "dfs.tls.dir";
  /** The identity a client process presents (the CLI, the mount, the gateway, applications). */
  public static final String CLIENT_IDENTITY = "dfs.tls.identity";
  public static final String DEFAULT_CLIENT_IDENTITY = "client";
  public static final String CA_CERTIFICATE = "ca.crt";
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private static final ClusterTls PLAINTEXT = new ClusterTls(null, null, null, null);

  private final SslContext server; // native TLS (BoringSSL) where it loads, else the JDK's
  private final SslContext client;
  private final KeyManagerFactory keys;
  private final TrustManagerFactory trust;

  private ClusterTls(SslContext server, SslContext client, KeyManagerFactory keys, TrustManagerFactory trust) {
    this.server = server;
    this.client = client;
    this.keys = keys;
    this.trust = trust;
  }

  public static ClusterTls plaintext() {
    return PLAINTEXT;
  }

  /**
   * A client process's TLS: the identity {@code dfs.tls.identity} names, as a JVM property (a user's
   * own certificate: {@code DFS_JAVA_OPTS=-Ddfs.tls.identity=alice}) or in the config, else
   * {@code client}.
   */
  public static ClusterTls forClient(ClusterConfig config) {
    return forIdentity(config, System.getProperty(CLIENT_IDENTITY,
        config.get(CLIENT_IDENTITY).orElse(DEFAULT_CLIENT_IDENTITY)));
  }

  /** The TLS of the process that is {@code name} (a peer or node id), or plaintext without {@code dfs.tls.dir}. */
  public static ClusterTls forIdentity(ClusterConfig config, String name) {
    Optional<String> dir = config.get(DIR).filter(d -> !d.isBlank());
    if (dir.isEmpty()) {
      return PLAINTEXT;
    }
    try {
      return load(Path.of(dir.get()), name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ClusterTls load(Path dir, String name) throws IOException {
    requireIssued(dir, name);
    Path certificate = certificateFile(dir, name);
    Path key = keyFile(dir, name);
    try {
      Collection<? extends Certificate> authority = PemFiles.certificates(dir.resolve(CA_CERTIFICATE));
      Collection<? extends Certificate> chain = PemFiles.certificates(certificate);
      KeyStore own = KeyStore.getInstance("PKCS12");
      own.load(null, null);
      PrivateKey privateKey = PemFiles.privateKey(key);
      own.setKeyEntry(name, privateKey, new char[0], chain.toArray(new Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(own, new char[0]);
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int i = 0;
      for (Certificate c : authority) {
        trusted.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SslProvider provider = provider();
      X509Certificate[] ownChain = chain.toArray(new X509Certificate[0]);
      X509Certificate[] authorities = authority.toArray(new X509Certificate[0]);
      SslContext server = SslContextBuilder.forServer(privateKey, ownChain).trustManager(authorities)
          .clientAuth(ClientAuth.REQUIRE).sslProvider(provider).protocols(PROTOCOLS).build();
      SslContext client = SslContextBuilder.forClient().keyManager(privateKey, ownChain).trustManager(authorities)
          .sslProvider(provider).protocols(PROTOCOLS).endpointIdentificationAlgorithm("HTTPS").build();
      return new ClusterTls(server, client, keys, trust);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the certificate of " + name + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Native TLS (BoringSSL) where it loads, else the JDK's: the JDK's AES-GCM is fast only once the
   * C2 compiler has compiled it (30 MB/s before, as in a JVM limited to C1).
   */
  private static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  private static void requireIssued(Path dir, String name) throws IOException {
    Path certificate = certificateFile(dir, name);
    Path key = keyFile(dir, name);
    if (!Files.exists(certificate) || !Files.exists(key)) {
      throw new IOException("no certificate for " + name + " in " + dir + " (" + certificate.getFileName() + ", "
          + key.getFileName() + "): issue one with dfs security issue");
    }
  }

  public static Path certificateFile(Path dir, String name) {
    return dir.resolve(name + ".crt");
  }

  public static Path keyFile(Path dir, String name) {
    return dir.resolve(name + ".key");
  }

  public boolean enabled() {
    return server != null;
  }

  /** This process's key and certificate, for a TLS stack of its own (Ratis' gRPC). */
  public KeyManagerFactory keyManagers() {
    return keys;
  }

  /** The cluster's authority as the only trusted one, for a TLS stack of its own. */
  public TrustManagerFactory trustManagers() {
    return trust;
  }

  /** This identity and the cluster's authority for the JDK's clients (its HTTP client). */
  public SSLContext jdkContext() {
    try {
      SSLContext context = SSLContext.getInstance(PROTOCOLS[0]);
      context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS 1.3 unavailable in this JVM", e);
    }
  }

  /**
   * A server context that, unlike every other port's, asks no certificate of its clients: for the
   * gateway's HTTPS, whose clients are browsers and scripts that prove themselves with a token.
   * {@code name}'s certificate must name the host they dial.
   */
  public static SslContext publicServer(Path dir, String name) throws IOException {
    requireIssued(dir, name);
    try {
      X509Certificate[] chain = PemFiles.certificates(certificateFile(dir, name)).toArray(new X509Certificate[0]);
      return SslContextBuilder.forServer(PemFiles.privateKey(keyFile(dir, name)), chain)
          .sslProvider(provider()).protocols("TLSv1.3", "TLSv1.2").build();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the certificate of " + name + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Puts TLS first on an accepted connection: the other end must show a certificate of the cluster. */
  public void secureServer(ChannelPipeline pipeline) {
    if (enabled()) {
      pipeline.addFirst("tls", server.newHandler(pipeline.channel().alloc()));
    }
  }

  /** Puts TLS first on a connection to {@code host}: the server's certificate must name that host. */
  public void secureClient(ChannelPipeline pipeline, String host, int port) {
    if (enabled()) {
      pipeline.addFirst("tls", client.newHandler(pipeline.channel().alloc(), host, port));
    }
  }

  /** A connected socket's two directions, encrypted when the cluster uses TLS; closing closes the socket. */
  public record Connection(Socket socket, InputStream in, OutputStream out, Closeable onClose) implements Closeable {
    @Override
    public void close() throws IOException {
      onClose.close();
    }
  }

  /**
   * A connected blocking socket to {@code host}, through TLS (handshake done, the server's
   * certificate checked) or in the clear.
   */
  public Connection secure(Socket connected, String host, int port) throws IOException {
    if (!enabled()) {
      return new Connection(connected, connected.getInputStream(), connected.getOutputStream(), connected);
    }
    EngineSocket tls = new EngineSocket(connected, client.newEngine(ByteBufAllocator.DEFAULT, host, port));
    return new Connection(connected, tls.in, tls.out, tls::close);
  }

  /**
   * Who is at the other end of an accepted connection, once its handshake is done: empty in the
   * clear (anyone), or when the certificate names no identity.
   */
  public static Optional<ServiceIdentity> peerOf(Channel channel) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    return tls == null ? Optional.empty() : ServiceIdentity.of(tls.engine().getSession());
  }
}
