package io.dfs.metadata.blocktokens;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dfs.proto.BlockAccess;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockKey;
import io.dfs.proto.BlockToken;
import io.dfs.proto.BlockTokenIdentifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A storage node's check of block access tokens, with the keys the leader sends in heartbeat
 * answers. A token passes when its signature is the leader's, it names the block and generation
 * stamp asked for and the access wanted, and it has not expired. A token signed with a key this
 * node has not heard of yet (a new leader's, before its first heartbeat answer) is {@link
 * Verdict#unknownKey}: the caller fetches the keys and checks again.
 */
public final class BlockTokenVerifier {
  /** The outcome of one check: granted, or why not. */
  public record Verdict(boolean granted, boolean unknownKey, String reason) {
    static final Verdict GRANTED = new Verdict(true, false, "");

    static Verdict refused(String reason) {
      return new Verdict(false, false, reason);
    }
  }

  private final Map<Long, BlockKey> keys = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public BlockTokenVerifier(LongSupplier clock) {
    this.clock = clock;
  }

  /** Keys from the leader's heartbeat answer; expired ones are forgotten. */
  public void learn(List<BlockKey> fresh) {
    fresh.forEach(k -> keys.put(k.getKeyId(), k));
    long now = clock.getAsLong();
    keys.values().removeIf(k -> k.getExpiresMs() <= now);
  }

  public Verdict check(BlockToken token, BlockInfo block, BlockAccess access) {
    if (token.getIdentifier().isEmpty()) {
      return Verdict.refused("no block access token for block " + block.getBlockId());
    }
    BlockTokenIdentifier id;
    try {
      id = BlockTokenIdentifier.parseFrom(token.getIdentifier());
    } catch (InvalidProtocolBufferException e) {
      return Verdict.refused("unreadable block access token");
    }
    BlockKey key = keys.get(id.getKeyId());
    if (key == null) {
      return new Verdict(false, true, "block access token signed with an unknown key " + id.getKeyId());
    }
    if (!BlockTokenMac.matches(key.getSecret().toByteArray(), token.getIdentifier().toByteArray(),
        token.getMac().toByteArray())) {
      return Verdict.refused("block access token with a bad signature");
    }
    if (id.getBlockId() != block.getBlockId() || id.getGenerationStamp() != block.getGenerationStamp()) {
      return Verdict.refused("the block access token is for block " + id.getBlockId() + " stamp "
          + id.getGenerationStamp() + ", not block " + block.getBlockId() + " stamp " + block.getGenerationStamp());
    }
    if (!id.getAccessList().contains(access)) {
      return Verdict.refused("the block access token grants " + id.getAccessList() + ", not " + access);
    }
    if (id.getExpiresMs() <= clock.getAsLong()) {
      return Verdict.refused("the block access token for block " + block.getBlockId() + " expired");
    }
    return Verdict.GRANTED;
  }
}
