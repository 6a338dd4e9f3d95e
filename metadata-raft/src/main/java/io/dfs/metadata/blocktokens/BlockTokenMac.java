package io.dfs.metadata.blocktokens;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The one definition of a block token's signature, shared by the leader that signs and the nodes that check. */
final class BlockTokenMac {
  static final String ALGORITHM = "HmacSHA256";
  static final int SECRET_BYTES = 32;

  private BlockTokenMac() {}

  static byte[] sign(byte[] secret, byte[] identifier) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      return mac.doFinal(identifier);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is part of every JDK", e);
    }
  }

  /** In constant time, so a forger learns nothing from how long a refusal took. */
  static boolean matches(byte[] secret, byte[] identifier, byte[] mac) {
    return MessageDigest.isEqual(sign(secret, identifier), mac);
  }
}
