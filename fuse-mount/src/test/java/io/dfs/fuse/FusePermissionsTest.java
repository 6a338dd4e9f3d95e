package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other users use the mount as they would a local disk: new entries are theirs (uid, gid, a setgid
 * directory's group), and mode bits, sticky directories and ownership rules hold for them. Runs as
 * root and acts as uid 65534 through setpriv.
 */
class FusePermissionsTest {
  private static final String NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups ";

  @TempDir Path dir;

  @Test
  void anotherUserGetsOwnershipAndIsHeldToModeBits() throws Exception {
    Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root");
    Assumptions.assumeTrue(MountedCluster.run(Path.of("/"), "command -v setpriv").code() == 0, "no setpriv");
    try (MountedCluster m = MountedCluster.start(dir, 3)) {
      assertThat(m.sh("chmod 755 " + dir).code()).isZero(); // let other users reach the mount point
      assertThat(m.sh("mkdir mnt/private && chmod 700 mnt/private && echo secret > mnt/private/s"
          + " && mkdir mnt/shared && chmod 1777 mnt/shared && echo r > mnt/shared/roots"
          + " && mkdir mnt/team && chown 0:4242 mnt/team && chmod 2777 mnt/team").code()).isZero();

      assertThat(m.sh(NOBODY + "cat mnt/private/s").out()).contains("Permission denied");
      assertThat(m.sh(NOBODY + "chmod 777 mnt/private").out()).contains("Operation not permitted");
      assertThat(m.sh(NOBODY + "bash -c 'echo x >> mnt/shared/roots'").out()).contains("Permission denied");
      assertThat(m.sh(NOBODY + "rm -f mnt/shared/roots").out()).contains("Operation not permitted");

      assertThat(m.sh(NOBODY + "bash -c 'echo mine > mnt/shared/mine && mkdir mnt/shared/d'").code()).isZero();
      assertThat(m.sh("stat -c '%u %g' mnt/shared/mine mnt/shared/d").out().trim())
          .isEqualTo("65534 65534\n65534 65534");
      assertThat(m.sh(NOBODY + "bash -c 'chmod 600 mnt/shared/mine && rm mnt/shared/mine'").code()).isZero();
      // a link is its maker's too, so they may remove it from the sticky directory
      assertThat(m.sh(NOBODY + "ln -s mine mnt/shared/link").code()).isZero();
      assertThat(m.sh("stat -c '%u %g' mnt/shared/link").out().trim()).isEqualTo("65534 65534");
      assertThat(m.sh(NOBODY + "rm mnt/shared/link").code()).isZero();

      assertThat(m.sh(NOBODY + "mkdir mnt/team/sub").code()).isZero();
      assertThat(m.sh("stat -c '%u %g %A' mnt/team/sub").out().trim()).matches("65534 4242 d.{5}s.*");

      // root is still root, and the entries it made are unchanged
      assertThat(m.sh("cat mnt/private/s mnt/shared/roots").out()).isEqualTo("secret\nr\n");
    }
  }
}
