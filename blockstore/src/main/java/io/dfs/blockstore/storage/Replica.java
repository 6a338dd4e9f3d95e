package io.dfs.blockstore.storage;

import io.dfs.proto.BlockInfo;
import java.nio.file.Path;

/** A finalized replica on disk: its data file and the file of its chunk checksums. */
public record Replica(BlockInfo block, Path data, Path meta, int bytesPerChecksum) {}
