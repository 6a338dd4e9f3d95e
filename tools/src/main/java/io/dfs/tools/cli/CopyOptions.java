package io.dfs.tools.cli;

import picocli.CommandLine.Option;

/** What put and get share: -f, -r and -p. */
final class CopyOptions {
  @Option(names = "-f", description = "overwrite existing files at the destination")
  boolean overwrite;
  @Option(names = "-r", description = "copy directories and their contents")
  boolean recursive;
  @Option(names = "-p", description = "preserve modification and access times and permission bits")
  boolean preserve;
}
