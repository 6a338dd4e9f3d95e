package io.dfs.client.fs;

import io.dfs.proto.FileStatus;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.SetPermissionRequest;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Attribute changes waiting to be applied to a file: permission bits, owner, group and times.
 * -1, an empty name or a null time leaves an attribute as it is. Later changes override earlier ones, so a
 * writer can collect what {@code chmod}, {@code chown} and {@code utimensat} asked for while a file
 * is open and apply it all with the file's completion.
 */
public record AttributeUpdate(int mode, String owner, String group, FileTime mtime, FileTime atime) {
  public static final AttributeUpdate NONE = new AttributeUpdate(-1, "", "", null, null);

  public AttributeUpdate withMode(int value) {
    return new AttributeUpdate(value, owner, group, mtime, atime);
  }

  /** Empty leaves the earlier value. */
  public AttributeUpdate withOwner(String newOwner, String newGroup) {
    return new AttributeUpdate(mode, newOwner.isEmpty() ? owner : newOwner, newGroup.isEmpty() ? group : newGroup,
        mtime, atime);
  }

  /** Null leaves the earlier value. */
  public AttributeUpdate withTimes(FileTime newMtime, FileTime newAtime) {
    return new AttributeUpdate(mode, owner, group, newMtime == null ? mtime : newMtime,
        newAtime == null ? atime : newAtime);
  }

  /** A write after {@code utimensat} makes the modification time "now" again, as on a local disk. */
  public AttributeUpdate withoutMtime() {
    return new AttributeUpdate(mode, owner, group, null, atime);
  }

  public boolean isEmpty() {
    return equals(NONE);
  }

  /** The entry as it will be once this update is applied. */
  public FileStatus appliedTo(FileStatus entry) {
    FileStatus.Builder b = entry.toBuilder();
    if (mode >= 0) {
      b.setMode(mode);
    }
    if (!owner.isEmpty()) {
      b.setOwner(owner);
    }
    if (!group.isEmpty()) {
      b.setGroup(group);
    }
    return FileTimes.set(b, mtime, atime).build();
  }

  /** The namespace writes that apply this update to {@code path}, in order. */
  public List<MetaRequest> requests(String path) {
    List<MetaRequest> out = new ArrayList<>(2);
    if (mode >= 0 || !owner.isEmpty() || !group.isEmpty()) {
      out.add(MetaRequest.newBuilder().setSetPermission(SetPermissionRequest.newBuilder().setPath(path)
          .setMode(mode).setOwner(owner).setGroup(group)).build());
    }
    if (mtime != null || atime != null) {
      out.add(MetaRequest.newBuilder().setSetTimes(FileTimes.request(path, mtime, atime)).build());
    }
    return out;
  }
}
