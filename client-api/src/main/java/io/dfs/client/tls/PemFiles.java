package io.dfs.client.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

/** Reads the PEM files the cluster's certificates are kept in, with the JDK alone. */
public final class PemFiles {
  private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
  private static final String END_KEY = "-----END PRIVATE KEY-----";

  private PemFiles() {}

  /** Every certificate in the file (a chain, or one). */
  public static Collection<? extends Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    try (var in = Files.newInputStream(file)) {
      Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (all.isEmpty()) {
        throw new IOException("no certificate in " + file);
      }
      return all;
    }
  }

  /** An unencrypted PKCS#8 private key (EC, or RSA). */
  public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = pem.indexOf(BEGIN_KEY);
    int end = pem.indexOf(END_KEY);
    if (begin < 0 || end < begin) {
      throw new IOException(file + " is not an unencrypted PKCS#8 private key (" + BEGIN_KEY + ")");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(
        Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN_KEY.length(), end)));
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (GeneralSecurityException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }
}
