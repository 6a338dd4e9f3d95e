package io.dfs.blockstore.transfer;

import com.codahale.metrics.MetricRegistry;
import io.dfs.blockstore.pipeline.DownstreamPool;
import io.dfs.blockstore.storage.BlockStore;
import io.dfs.client.block.NodeConnections;
import io.dfs.client.tls.ClusterTls;
import io.dfs.metadata.blocktokens.BlockTokenVerifier;
import io.dfs.proto.BlockInfo;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the transfer handlers of one storage node share. {@code tls} secures its connections, both
 * ways; {@code connections} are its own to other nodes as a writer (replica copies).
 */
public record NodeServices(
    String nodeId,
    ClusterTls tls,
    NodeConnections connections,
    BlockStore store,
    EventLoopGroup downstreamGroup,
    DownstreamPool downstreams,
    Consumer<BlockInfo> onFinalized,
    BlockTokenVerifier tokens,
    Supplier<CompletableFuture<Void>> fetchBlockKeys,
    MetricRegistry metrics) {}
