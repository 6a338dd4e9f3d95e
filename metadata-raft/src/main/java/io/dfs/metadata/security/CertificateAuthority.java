package io.dfs.metadata.security;

import io.dfs.client.tls.ClusterTls;
import io.dfs.client.tls.PemFiles;
import io.dfs.client.tls.ServiceIdentity;
import io.dfs.client.tls.ServiceIdentity.Role;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority: one EC key that signs a certificate for every peer, storage
 * node and client identity (Bouncy Castle builds the certificates; keys and signatures are the
 * JDK's). Its key ({@code ca.key}) stays on the machine that issues certificates; the hosts get
 * {@code ca.crt} and their own pair, in the layout {@link ClusterTls} reads.
 */
public final class CertificateAuthority {
  public static final String CA_KEY = "ca.key";
  private static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
  private static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(825);
  private static final String SIGNATURE = "SHA256withECDSA";

  private final Path dir;
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final SecureRandom random = new SecureRandom();

  private CertificateAuthority(Path dir, PrivateKey key, X509Certificate certificate) {
    this.dir = dir;
    this.key = key;
    this.certificate = certificate;
  }

  /** The authority kept in {@code dir}, created there (key and certificate) if it has none yet. */
  public static CertificateAuthority openOrCreate(Path dir) throws IOException {
    Path keyFile = dir.resolve(CA_KEY);
    Path certificateFile = dir.resolve(ClusterTls.CA_CERTIFICATE);
    try {
      if (Files.exists(keyFile) && Files.exists(certificateFile)) {
        return new CertificateAuthority(dir, PemFiles.privateKey(keyFile),
            (X509Certificate) PemFiles.certificates(certificateFile).iterator().next());
      }
      Files.createDirectories(dir);
      KeyPair pair = newKeyPair();
      X500Name name = new X500Name("CN=dfs cluster authority,O=dfs");
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(AUTHORITY_VALIDITY)), name, pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate self = sign(b, pair.getPrivate());
      writeSecret(keyFile, pem(pair.getPrivate()));
      Files.writeString(certificateFile, pem(self), StandardCharsets.US_ASCII);
      return new CertificateAuthority(dir, pair.getPrivate(), self);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot open the certificate authority in " + dir + ": " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Issues (or issues again) the certificate of {@code identity} into this authority's directory:
   * {@code <name>.crt} and {@code <name>.key} (mode 0600). {@code hosts} are the names and
   * addresses the identity serves on, which clients check against the host they dial.
   */
  public void issue(ServiceIdentity identity, List<String> hosts) throws IOException {
    try {
      KeyPair pair = newKeyPair();
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(random),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CERTIFICATE_VALIDITY)),
          new X500Name(identity.subject()), pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      // a web certificate only serves: the cluster's ports refuse it as a client's (TLS checks the usage)
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(identity.role() == Role.WEB
          ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}
          : new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      if (!hosts.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hosts));
      }
      X509Certificate issued = sign(b, key);
      writeSecret(ClusterTls.keyFile(dir, identity.name()), pem(pair.getPrivate()));
      Files.writeString(ClusterTls.certificateFile(dir, identity.name()), pem(issued), StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot issue a certificate for " + identity + ": " + e.getMessage(), e);
    }
  }

  private static GeneralNames alternativeNames(List<String> hosts) {
    Set<GeneralName> names = new LinkedHashSet<>(); // "127.0.0.1" and "localhost" name the loopback address once
    for (String h : hosts) {
      boolean address = h.matches("[0-9.]+") || h.contains(":");
      names.add(new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, h));
      if (!address && h.equals("localhost")) {
        names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()));
      }
    }
    return new GeneralNames(names.toArray(new GeneralName[0]));
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(64, random).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE)
        .build(signer)));
  }

  private static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      // a private key goes out as PKCS#8 (BEGIN PRIVATE KEY), which the JDK reads without help
      w.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
    }
    return out.toString();
  }

  private static void writeSecret(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
