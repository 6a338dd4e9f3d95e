package io.dfs.client.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a certificate of the cluster's authority names: a metadata peer, a storage node or a client,
 * and its id. Written in the subject as {@code CN=<name>, OU=<role>}; the authority vouches for
 * both, so a storage node can act only under the id its certificate carries.
 */
public record ServiceIdentity(String name, Role role) {
  public enum Role {
    PEER, NODE, CLIENT,
    /** A web server's (the gateway's HTTPS): good for serving only, never as a client of the cluster. */
    WEB;

    String unit() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ServiceIdentity {
    if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("an identity is letters, digits, '.', '_' or '-': " + name);
    }
  }

  /** The certificate subject this identity is issued under. */
  public String subject() {
    return "CN=" + name + ",OU=" + role.unit() + ",O=dfs";
  }

  /** The identity a certificate's subject names, if it names one. */
  public static Optional<ServiceIdentity> of(X509Certificate certificate) {
    try {
      String name = null;
      Role role = null;
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        String value = rdn.getValue().toString();
        if (rdn.getType().equalsIgnoreCase("CN")) {
          name = value;
        } else if (rdn.getType().equalsIgnoreCase("OU")) {
          for (Role r : Role.values()) {
            if (r.unit().equals(value)) {
              role = r;
            }
          }
        }
      }
      return name == null || role == null ? Optional.empty() : Optional.of(new ServiceIdentity(name, role));
    } catch (InvalidNameException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The identity the other end of a TLS session proved with its certificate. */
  public static Optional<ServiceIdentity> of(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? of(x) : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }
}
