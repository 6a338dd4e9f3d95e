package io.dfs.metadata.blocktokens;

import com.google.protobuf.ByteString;
import io.dfs.proto.BlockKey;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The leader's signing keys (leader-only state; this ring is their one owner). A key signs for
 * {@code rollMs}, then the next one takes over; each stays known to the nodes until the last token
 * it signed has expired. Key ids are random, so the keys of successive leaders never collide and
 * nodes keep checking an earlier leader's tokens until they expire.
 */
final class BlockKeyRing {
  private record Key(BlockKey proto, long signsUntilMs) {}

  private final SecureRandom random = new SecureRandom();
  private final long rollMs;
  private final long tokenLifetimeMs;
  private final ArrayDeque<Key> keys = new ArrayDeque<>(); // guarded by this; newest last

  BlockKeyRing(long rollMs, long tokenLifetimeMs) {
    this.rollMs = rollMs;
    this.tokenLifetimeMs = tokenLifetimeMs;
  }

  synchronized BlockKey signingKey(long now) {
    Key newest = keys.peekLast();
    if (newest == null || newest.signsUntilMs() <= now) {
      byte[] secret = new byte[BlockTokenMac.SECRET_BYTES];
      random.nextBytes(secret);
      newest = new Key(BlockKey.newBuilder().setKeyId(random.nextLong()).setSecret(ByteString.copyFrom(secret))
          .setExpiresMs(now + rollMs + tokenLifetimeMs).build(), now + rollMs);
      keys.addLast(newest);
    }
    keys.removeIf(k -> k.proto().getExpiresMs() <= now);
    return newest.proto();
  }

  /** What the nodes must know: every key that signed a token still valid, and the one signing now. */
  synchronized List<BlockKey> unexpired(long now) {
    signingKey(now);
    return keys.stream().map(Key::proto).toList();
  }
}
