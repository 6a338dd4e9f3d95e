package io.dfs.deploy.gateway;

import io.dfs.proto.Caller;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's users: each has a token of its own, and the gateway makes that user's requests as
 * that user, so the metadata service checks them against the user's permissions (the gateway's
 * own token acts as the user the gateway runs as). The file ({@link #FILE}, mode 0600) holds a line
 * per user, {@code <name> <sha256 of the token, hex> [group,group...]}: the tokens themselves are
 * never stored, so reading the file does not let anyone in. {@code dfs security gateway-user} adds,
 * replaces and revokes users; the gateway reads the file again whenever it changes, so neither
 * needs a restart.
 */
public final class GatewayUsers {
  /** Where the users are kept; unset: the gateway has only its own token. */
  public static final String FILE = "dfs.gateway.users.file";

  private final Path file;
  // the last reading of the file and when it was modified; replaced whole, never changed in place
  private volatile Snapshot snapshot = new Snapshot(null, null, Map.of());

  /** Every change replaces the file (a new inode), so its key and time tell a changed file apart. */
  private record Snapshot(Object fileKey, FileTime modified, Map<String, Caller> byDigest) {}

  GatewayUsers(Path file) {
    this.file = file;
  }

  /** The user whose token this is, as of the file's latest contents. */
  Optional<Caller> userOf(String token) throws IOException {
    if (file == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(current().byDigest().get(digest(token)));
  }

  private Snapshot current() throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return snapshot = new Snapshot(null, null, Map.of());
    }
    Snapshot s = snapshot;
    if (attributes.lastModifiedTime().equals(s.modified()) && Objects.equals(attributes.fileKey(), s.fileKey())) {
      return s;
    }
    Map<String, Caller> byDigest = new HashMap<>();
    for (Line line : read(file)) {
      byDigest.put(line.digest(), Caller.newBuilder().addUsers(line.user()).addAllGroups(line.groups()).build());
    }
    return snapshot = new Snapshot(attributes.fileKey(), attributes.lastModifiedTime(), Map.copyOf(byDigest));
  }

  /**
   * Gives {@code user} a new token (its old one, if any, stops working) and returns it: the only
   * time it is shown.
   */
  public static String issue(Path file, String user, List<String> groups) throws IOException {
    checkName(user);
    groups.forEach(GatewayUsers::checkName);
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    List<Line> lines = new ArrayList<>(without(file, user));
    lines.add(new Line(user, digest(token), groups));
    write(file, lines);
    return token;
  }

  /** Takes {@code user}'s token away; whether it had one. */
  public static boolean revoke(Path file, String user) throws IOException {
    List<Line> kept = without(file, user);
    boolean had = kept.size() < read(file).size();
    write(file, kept);
    return had;
  }

  private record Line(String user, String digest, List<String> groups) {
    String text() {
      return user + " " + digest + (groups.isEmpty() ? "" : " " + String.join(",", groups));
    }
  }

  private static List<Line> without(Path file, String user) throws IOException {
    return read(file).stream().filter(l -> !l.user().equals(user)).toList();
  }

  private static List<Line> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Line> lines = new ArrayList<>();
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String text = raw.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      String[] f = text.split("\\s+");
      if (f.length < 2 || f.length > 3 || f[1].length() != 64) {
        throw new IOException(file + ": not a user line (name, token digest, optional groups): " + text);
      }
      lines.add(new Line(f[0], f[1], f.length == 3 ? Arrays.asList(f[2].split(",")) : List.of()));
    }
    return lines;
  }

  /** Whole or not at all (the gateway may read it at any moment), readable by its owner only. */
  private static void write(Path file, List<Line> lines) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path next = Files.createTempFile(parent, file.getFileName().toString(), ".new",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    List<String> text = new ArrayList<>(List.of("# dfs gateway users: name, sha256 of the token, groups"));
    lines.forEach(l -> text.add(l.text()));
    Files.write(next, text, StandardCharsets.UTF_8);
    Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void checkName(String name) {
    if (!name.matches("[A-Za-z0-9._][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("not a user or group name: '" + name + "'");
    }
  }

  static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
