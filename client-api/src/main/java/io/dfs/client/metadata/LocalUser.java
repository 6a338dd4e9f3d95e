package io.dfs.client.metadata;

import com.sun.security.auth.module.UnixSystem;
import io.dfs.proto.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The user this process runs as, which a client names on its calls: its name and uid, and its
 * groups by name and gid (primary group first), so it matches entries owned by either form.
 * {@code DFS_USER} (or {@code -Ddfs.user}) names another user, as {@code HADOOP_USER_NAME} does;
 * the peers believe either only from a client certificate they trust to speak for users.
 */
public final class LocalUser {
  private static final Path GROUP_FILE = Path.of("/etc/group");

  private LocalUser() {}

  public static Caller claim() {
    String named = System.getProperty("dfs.user", System.getenv("DFS_USER"));
    if (named != null && !named.isBlank()) {
      return Caller.newBuilder().addUsers(named).build();
    }
    String name = System.getProperty("user.name");
    try {
      UnixSystem unix = new UnixSystem();
      Map<Long, String> groupNames = groupNames();
      Set<String> groups = new LinkedHashSet<>();
      List<Long> gids = new ArrayList<>();
      gids.add(unix.getGid());
      for (long g : unix.getGroups()) {
        gids.add(g);
      }
      for (long g : gids) {
        if (groupNames.containsKey(g)) {
          groups.add(groupNames.get(g));
        }
        groups.add(Long.toString(g));
      }
      return Caller.newBuilder().addUsers(unix.getUsername()).addUsers(Long.toString(unix.getUid()))
          .addAllGroups(groups).build();
    } catch (RuntimeException | LinkageError notUnix) {
      return Caller.newBuilder().addUsers(name).build();
    }
  }

  /** Group names by gid, from the local group file (empty when it cannot be read). */
  private static Map<Long, String> groupNames() {
    Map<Long, String> names = new HashMap<>();
    try {
      for (String line : Files.readAllLines(GROUP_FILE)) {
        String[] f = line.split(":");
        if (f.length >= 3) {
          try {
            names.putIfAbsent(Long.parseLong(f[2]), f[0]);
          } catch (NumberFormatException ignored) {
            // not a group line
          }
        }
      }
    } catch (IOException unreadable) {
      // numbers only
    }
    return names;
  }
}
