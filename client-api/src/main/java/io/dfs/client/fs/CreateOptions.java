package io.dfs.client.fs;

/**
 * How {@link DfsFileSystem#create} makes a file. Zero replication or block size means the
 * cluster's default; {@code mode} is the permission bits; an empty owner or group means the
 * cluster's default owner.
 */
public record CreateOptions(
    boolean overwrite, int replication, long blockSize, int mode, boolean createParents, String owner,
    String group) {

  public static CreateOptions defaults() {
    return new CreateOptions(false, 0, 0, 0644, false, "", "");
  }

  public CreateOptions withOverwrite(boolean value) {
    return new CreateOptions(value, replication, blockSize, mode, createParents, owner, group);
  }

  public CreateOptions withReplication(int value) {
    return new CreateOptions(overwrite, value, blockSize, mode, createParents, owner, group);
  }

  public CreateOptions withBlockSize(long value) {
    return new CreateOptions(overwrite, replication, value, mode, createParents, owner, group);
  }

  public CreateOptions withMode(int value) {
    return new CreateOptions(overwrite, replication, blockSize, value, createParents, owner, group);
  }

  public CreateOptions withCreateParents(boolean value) {
    return new CreateOptions(overwrite, replication, blockSize, mode, value, owner, group);
  }

  /** The new file's owner and group (the mount passes its caller's uid and gid). */
  public CreateOptions withOwner(String newOwner, String newGroup) {
    return new CreateOptions(overwrite, replication, blockSize, mode, createParents, newOwner, newGroup);
  }
}
