package io.dfs.metadata.blocktokens;

import com.google.protobuf.ByteString;
import io.dfs.client.config.ClusterConfig;
import io.dfs.proto.BlockAccess;
import io.dfs.proto.BlockInfo;
import io.dfs.proto.BlockKey;
import io.dfs.proto.BlockToken;
import io.dfs.proto.BlockTokenIdentifier;
import io.dfs.proto.GetBlockLocationsResponse;
import io.dfs.proto.HeartbeatResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.MetaBatchResponse;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeCommand;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Signs block access tokens on the leader (HDFS's BlockTokenSecretManager). Every answer that
 * names blocks on storage nodes gets its tokens here, on its way out, so no other code builds one:
 * blocks a writer was given (a new file's first block, an added block, a recovered block) may be
 * written and read, located blocks only read, and a replication command's block written by its
 * targets. Heartbeat answers carry the keys the nodes check them with.
 */
public final class BlockTokenIssuer {
  /** How long a token is valid; the signing key rolls as often. */
  public static final String LIFETIME_MS = "dfs.block.token.lifetime.ms";
  static final long DEFAULT_LIFETIME_MS = 60 * 60_000;

  private final BlockKeyRing keys;
  private final long lifetimeMs;
  private final LongSupplier clock;

  public BlockTokenIssuer(long lifetimeMs, LongSupplier clock) {
    this.lifetimeMs = lifetimeMs;
    this.clock = clock;
    this.keys = new BlockKeyRing(lifetimeMs, lifetimeMs);
  }

  public static BlockTokenIssuer fromConfig(ClusterConfig config) {
    return new BlockTokenIssuer(config.get(LIFETIME_MS).map(Long::parseLong).orElse(DEFAULT_LIFETIME_MS),
        System::currentTimeMillis);
  }

  /** A token for {@code holder} to do {@code access} with the block at its generation stamp. */
  public BlockToken issue(BlockInfo block, String holder, BlockAccess... access) {
    long now = clock.getAsLong();
    BlockKey key = keys.signingKey(now);
    byte[] identifier = BlockTokenIdentifier.newBuilder().setBlockId(block.getBlockId())
        .setGenerationStamp(block.getGenerationStamp()).addAllAccess(List.of(access))
        .setExpiresMs(now + lifetimeMs).setKeyId(key.getKeyId()).setHolder(holder).build().toByteArray();
    return BlockToken.newBuilder().setIdentifier(ByteString.copyFrom(identifier))
        .setMac(ByteString.copyFrom(BlockTokenMac.sign(key.getSecret().toByteArray(), identifier))).build();
  }

  /** The keys storage nodes need to check every token still valid. */
  public List<BlockKey> keys() {
    return keys.unexpired(clock.getAsLong());
  }

  /** The answer with a token on every block it hands out (see the class comment); others unchanged. */
  public MetaResponse withTokens(MetaResponse response, String holder) {
    return switch (response.getResultCase()) {
      case LOCATED_BLOCK -> response.toBuilder().setLocatedBlock(writable(response.getLocatedBlock(), holder)).build();
      case STATUS -> response.hasFirstBlock()
          ? response.toBuilder().setFirstBlock(writable(response.getFirstBlock(), holder)).build() : response;
      case BLOCK_LOCATIONS -> response.toBuilder().setBlockLocations(readable(response.getBlockLocations(), holder)).build();
      case HEARTBEAT -> response.toBuilder().setHeartbeat(withKeys(response.getHeartbeat(), holder)).build();
      case BATCH -> {
        MetaBatchResponse.Builder batch = MetaBatchResponse.newBuilder();
        response.getBatch().getResponsesList().forEach(r -> batch.addResponses(withTokens(r, holder)));
        yield response.toBuilder().setBatch(batch).build();
      }
      default -> response;
    };
  }

  private LocatedBlock writable(LocatedBlock b, String holder) {
    return isStored(b) ? b.toBuilder().setToken(issue(b.getBlock(), holder, BlockAccess.READ, BlockAccess.WRITE)).build() : b;
  }

  private GetBlockLocationsResponse readable(GetBlockLocationsResponse r, String holder) {
    GetBlockLocationsResponse.Builder out = r.toBuilder().clearBlocks();
    for (LocatedBlock b : r.getBlocksList()) {
      out.addBlocks(isStored(b) ? b.toBuilder().setToken(issue(b.getBlock(), holder, BlockAccess.READ)).build() : b);
    }
    return out.build();
  }

  private HeartbeatResponse withKeys(HeartbeatResponse r, String holder) {
    HeartbeatResponse.Builder out = r.toBuilder().clearCommands().addAllBlockKeys(keys());
    for (NodeCommand c : r.getCommandsList()) {
      out.addCommands(c.hasReplicate() ? c.toBuilder().setReplicate(c.getReplicate().toBuilder()
          .setToken(issue(c.getReplicate().getBlock(), holder, BlockAccess.WRITE))).build() : c);
    }
    return out.build();
  }

  /** Holes (block id 0) live nowhere: nothing to grant. */
  private static boolean isStored(LocatedBlock b) {
    return b.getBlock().getBlockId() != 0;
  }
}
