package io.dfs.client.fs;

/**
 * How {@link DfsFileSystem#create} makes a file. Zero replication or block size means the
 * cluster's default; {@code mode} is the permission bits.
 */
public record CreateOptions(
    boolean overwrite, int replication, long blockSize, int mode, boolean createParents) {

  public static CreateOptions defaults() {
    return new CreateOptions(false, 0, 0, 0644, false);
  }

  public CreateOptions withOverwrite(boolean value) {
    return new CreateOptions(value, replication, blockSize, mode, createParents);
  }

  public CreateOptions withReplication(int value) {
    return new CreateOptions(overwrite, value, blockSize, mode, createParents);
  }

  public CreateOptions withBlockSize(long value) {
    return new CreateOptions(overwrite, replication, value, mode, createParents);
  }

  public CreateOptions withMode(int value) {
    return new CreateOptions(overwrite, replication, blockSize, value, createParents);
  }

  public CreateOptions withCreateParents(boolean value) {
    return new CreateOptions(overwrite, replication, blockSize, mode, value);
  }
}
