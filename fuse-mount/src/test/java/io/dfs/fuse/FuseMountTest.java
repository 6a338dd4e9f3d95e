package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dfs.client.error.PathExistsException;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.metadata.MetadataClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.proto.FileStatus;
import io.dfs.proto.FileType;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MkdirRequest;
import io.dfs.proto.MknodRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordinary tools on a real mount of a real cluster (1 MiB blocks, so files of a few MiB span blocks). */
class FuseMountTest {
  @TempDir static Path dir;
  static MountedCluster m;

  @BeforeAll
  static void mount() throws Exception {
    m = MountedCluster.start(dir, 3);
    // local test data: small and multi-block files in a small tree
    MountedCluster.run(dir, "mkdir -p src/tree/sub && head -c 100 /dev/urandom > src/small.bin"
        + " && head -c 5000000 /dev/urandom > src/big.bin && echo hello > src/tree/a.txt"
        + " && head -c 1500000 /dev/urandom > src/tree/sub/b.bin && echo world > src/tree/sub/c.txt");
  }

  @AfterAll
  static void unmount() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  private MountedCluster.Result ok(String command) {
    MountedCluster.Result r = m.sh(command);
    assertThat(r.code()).as("%s\n%s", command, r.out()).isZero();
    return r;
  }

  @Test
  void copyInAndOutKeepsEveryByte() {
    ok("mkdir -p mnt/copy/deep/er");
    ok("cp src/small.bin src/big.bin mnt/copy/deep/");
    ok("cmp src/big.bin mnt/copy/deep/big.bin && cmp src/small.bin mnt/copy/deep/small.bin");
    ok("cp mnt/copy/deep/big.bin big.out && cmp src/big.bin big.out");
    String ls = ok("ls -l mnt/copy/deep").out();
    assertThat(ls).contains("5000000").contains("big.bin").contains("small.bin");
    assertThat(ok("cat mnt/copy/deep/../deep/small.bin | wc -c").out().trim()).isEqualTo("100");
    assertThat(ok("stat -c %s mnt/copy/deep/big.bin").out().trim()).isEqualTo("5000000");
  }

  @Test
  void treesSurviveDiffTarAndMv() {
    ok("cp -r src/tree mnt/tree1");
    ok("diff -r src/tree mnt/tree1");
    ok("tar -C src -cf tree.tar tree && mkdir -p mnt/untar && tar -C mnt/untar -xf tree.tar");
    ok("diff -r src/tree mnt/untar/tree");
    ok("tar -C mnt -cf back.tar tree1 && mkdir -p back && tar -C back -xf back.tar && diff -r src/tree back/tree1");
    ok("mv mnt/tree1 mnt/moved && mv mnt/moved/a.txt mnt/moved/renamed.txt");
    assertThat(ok("ls mnt").out()).contains("moved").doesNotContain("tree1");
    assertThat(ok("cat mnt/moved/renamed.txt").out()).isEqualTo("hello\n");
    ok("rm -r mnt/moved");
    assertThat(m.sh("ls mnt/moved").code()).isNotZero();
  }

  @Test
  void aRewrittenFileKeepsItsInodeItsLinksAndItsAttributes() {
    ok("printf old > mnt/kept && ln mnt/kept mnt/kept-link");
    ok("python3 -c \"import os; os.setxattr('mnt/kept', 'user.tag', b'v1')\"");
    String inode = ok("stat -c %i mnt/kept").out().trim();
    ok("printf new-content > mnt/kept"); // O_TRUNC, then a rewrite of the whole file
    assertThat(ok("stat -c %i mnt/kept").out().trim()).isEqualTo(inode);
    // the other name: after the kernel's attribute timeout (1 s, see hardLinksAreOneFileUnderSeveralNames)
    assertThat(ok("sleep 1.1; cat mnt/kept-link").out()).as("the other name").isEqualTo("new-content");
    assertThat(ok("stat -c %h mnt/kept").out().trim()).isEqualTo("2");
    assertThat(ok("python3 -c \"import os; print(os.getxattr('mnt/kept', 'user.tag'))\"").out().trim())
        .isEqualTo("b'v1'");
    ok("python3 -c \"import os; fd = os.open('mnt/kept', os.O_WRONLY); os.pwrite(fd, b'N', 0); os.fsync(fd)\"");
    assertThat(ok("stat -c %i mnt/kept").out().trim()).as("after a write in place").isEqualTo(inode);
    assertThat(ok("sleep 1.1; cat mnt/kept-link").out()).isEqualTo("New-content");
  }

  @Test
  void aSecondDescriptorReadsWhatTheFirstWroteInPlaceAndFsynced() {
    ok("printf 0123456789 > mnt/two-descriptors");
    // one process, two descriptors, as two SQLite connections are: the reader must not see old bytes
    String out = ok("python3 -c \"import os; r = os.open('mnt/two-descriptors', os.O_RDONLY); w = os.open('mnt/two-descriptors', os.O_RDWR);"
        + " print(os.pread(r, 10, 0).decode()); os.pwrite(w, b'AB', 4); os.fsync(w);"
        + " print(os.pread(r, 10, 0).decode()); os.pwrite(w, b'CD', 0); os.fsync(w); print(os.pread(w, 10, 0).decode());"
        + " print(os.pread(r, 10, 0).decode())\"").out();
    assertThat(MountedCluster.lines(out)).containsExactly("0123456789", "0123AB6789", "CD23AB6789", "CD23AB6789");
  }

  @Test
  void aFileRenamedWhileOpenKeepsTakingItsWritersBytesUnderItsNewName() {
    // a log renamed under a running process (log rotation), and a file moved with its directory
    ok("mkdir -p mnt/rot/dir");
    ok("python3 -c \"import os; f = os.open('mnt/rot/app.log', os.O_WRONLY | os.O_CREAT, 0o644);"
        + " g = os.open('mnt/rot/dir/data', os.O_WRONLY | os.O_CREAT, 0o644);"
        + " os.write(f, b'one '); os.write(g, b'first ');"
        + " os.rename('mnt/rot/app.log', 'mnt/rot/app.log.1'); os.rename('mnt/rot/dir', 'mnt/rot/moved');"
        + " os.write(f, b'two'); os.write(g, b'second'); os.close(f); os.close(g)\"");
    assertThat(ok("cat mnt/rot/app.log.1").out()).isEqualTo("one two");
    assertThat(ok("cat mnt/rot/moved/data").out()).isEqualTo("first second");
    assertThat(ok("ls mnt/rot").out()).doesNotContain("app.log\n").doesNotContain("dir\n");
    assertThat(m.sh("test -e mnt/rot/app.log").code()).as("the old name stays gone").isNotZero();
  }

  @Test
  void sqliteWithConcurrentWritersKeepsEveryRowAndPassesItsIntegrityCheck() throws Exception {
    java.nio.file.Files.copy(FuseMountTest.class.getResourceAsStream("/sqlite-writers.py"),
        dir.resolve("sqlite-writers.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ok("mkdir -p mnt/sqlite");
    String out = ok("python3 sqlite-writers.py mnt/sqlite/test.db 4 25").out();
    assertThat(out).contains("rows=100 integrity=ok");
  }

  @Test
  void growingAFilePastTheMaximumSizeIsEfbigAndWritesNothing() {
    ok("printf abc > mnt/bounded");
    // a conformance suite's truncate to 999,999,999,999,999 bytes once wrote zeros until a disk was full
    MountedCluster.Result byPath = m.sh("truncate -s 999999999999999 mnt/bounded");
    assertThat(byPath.code()).as(byPath.out()).isNotZero();
    assertThat(byPath.out()).contains("File too large");
    MountedCluster.Result byDescriptor = m.sh("python3 -c \"import os; fd = os.open('mnt/bounded', os.O_WRONLY);"
        + " os.ftruncate(fd, 10**15)\"");
    assertThat(byDescriptor.code()).as(byDescriptor.out()).isNotZero();
    assertThat(byDescriptor.out()).contains("File too large");
    assertThat(ok("cat mnt/bounded").out()).isEqualTo("abc");
  }

  @Test
  void truncateToATerabyteMakesASparseFileThatTakesNoSpace() {
    ok("printf abc > mnt/sparse");
    ok("truncate -s 1T mnt/sparse");
    assertThat(ok("stat -c %s mnt/sparse").out().trim()).isEqualTo(Long.toString(1L << 40));
    assertThat(ok("du -B1 mnt/sparse").out()).as("du counts stored bytes only").startsWith("512\t");
    assertThat(ok("tail -c 5 mnt/sparse | od -An -tx1").out().trim()).isEqualTo("00 00 00 00 00");
    assertThat(ok("head -c 5 mnt/sparse | od -An -c").out().replaceAll("\\s+", " ").trim())
        .isEqualTo("a b c \\0 \\0");
    ok("truncate -s 3 mnt/sparse");
    assertThat(ok("cat mnt/sparse").out()).isEqualTo("abc");
  }

  @Test
  void fallocateGrowsAFileOrKeepsItsSizeAndRefusesWhatItCannotDo() {
    ok("fallocate -l 10M mnt/falloc");
    assertThat(ok("stat -c %s mnt/falloc").out().trim()).isEqualTo("10485760");
    assertThat(ok("head -c 4 mnt/falloc | od -An -tx1").out().trim()).isEqualTo("00 00 00 00");
    ok("printf abc > mnt/falloc2 && fallocate -o 1M -l 1M mnt/falloc2");
    assertThat(ok("stat -c %s mnt/falloc2").out().trim()).isEqualTo("2097152");
    assertThat(ok("head -c 3 mnt/falloc2").out()).as("the content before stays").isEqualTo("abc");
    ok("fallocate -n -l 20M mnt/falloc"); // KEEP_SIZE: room checked, size unchanged
    assertThat(ok("stat -c %s mnt/falloc").out().trim()).isEqualTo("10485760");
    MountedCluster.Result collapse = m.sh("fallocate -c -o 0 -l 1M mnt/falloc");
    assertThat(collapse.code()).as(collapse.out()).isNotZero();
    assertThat(collapse.out()).containsAnyOf("not supported", "unsupported"); // EOPNOTSUPP, as util-linux words it
    MountedCluster.Result huge = m.sh("fallocate -l 100P mnt/falloc3");
    assertThat(huge.code()).as(huge.out()).isNotZero();
    assertThat(huge.out()).containsAnyOf("File too large", "No space left");
  }

  @Test
  void symlinksWorkAsOnALocalDisk() {
    ok("mkdir -p mnt/ln/dir && echo hello > mnt/ln/dir/file");
    ok("ln -s dir/file mnt/ln/rel && ln -s " + m.mnt + "/ln/dir mnt/ln/abs && ln -s missing mnt/ln/dangling");
    assertThat(ok("readlink mnt/ln/rel").out().trim()).isEqualTo("dir/file");
    assertThat(ok("cat mnt/ln/rel").out()).isEqualTo("hello\n");
    assertThat(ok("ls mnt/ln/abs/").out().trim()).isEqualTo("file");
    assertThat(ok("stat -c %F mnt/ln/dangling").out().trim()).isEqualTo("symbolic link");
    assertThat(m.sh("cat mnt/ln/dangling").code()).isNotZero();
    assertThat(m.sh("ln -s x mnt/ln/rel").out()).contains("File exists");
    ok("mkdir -p lnsrc/d && echo data > lnsrc/d/real && ln -s real lnsrc/d/alias && ln -s ../d lnsrc/up");
    ok("tar cf lnsrc.tar -C lnsrc . && mkdir mnt/lntar && tar xf lnsrc.tar -C mnt/lntar");
    ok("diff -r --no-dereference lnsrc mnt/lntar");
    ok("cp -a mnt/lntar lnback && diff -r --no-dereference lnsrc lnback");
    ok("rm mnt/ln/rel");
    assertThat(ok("cat mnt/ln/dir/file").out()).isEqualTo("hello\n");
  }

  @Test
  void aFileRewrittenThroughOneNameIsReadThroughAnotherAtOnce() {
    // the same length each time: the kernel's cached size of the other name (1 s) stays right
    ok("printf AAAAAAAAAA > mnt/twice && ln mnt/twice mnt/twice-link && cat mnt/twice-link");
    for (char c : "BCDEF".toCharArray()) {
      String content = String.valueOf(c).repeat(10);
      assertThat(ok("printf " + content + " > mnt/twice && cat mnt/twice-link").out()).isEqualTo(content);
    }
  }

  @Test
  void hardLinksAreOneFileUnderSeveralNames() {
    ok("mkdir -p mnt/hl/a mnt/hl/b && cp src/big.bin mnt/hl/a/f");
    ok("ln mnt/hl/a/f mnt/hl/b/g");
    assertThat(ok("stat -c '%h %i' mnt/hl/b/g").out()).startsWith("2 ");
    // the kernel keeps the first name's attributes for attr_timeout (1 s): then the same entry
    assertThat(ok("sleep 1.1; stat -c '%h %i' mnt/hl/a/f").out()).isEqualTo(ok("stat -c '%h %i' mnt/hl/b/g").out());
    ok("cmp src/big.bin mnt/hl/b/g");
    ok("chmod 600 mnt/hl/b/g");
    assertThat(ok("sleep 1.1; stat -c %a mnt/hl/a/f").out().trim()).as("one entry: one mode").isEqualTo("600");
    assertThat(m.sh("ln mnt/hl/a mnt/hl/dirlink").out()).contains("not allowed"); // EPERM: hard link not allowed for directory
    assertThat(m.sh("ln mnt/hl/a/f mnt/hl/b/g").out()).contains("File exists");
    ok("rm mnt/hl/a/f");
    ok("cmp src/big.bin mnt/hl/b/g");
    assertThat(ok("sleep 1.1; stat -c %h mnt/hl/b/g").out().trim()).isEqualTo("1");
    // tools that find links by inode number keep them: tar out and back in, and du counts the bytes once
    ok("ln mnt/hl/b/g mnt/hl/b/g2 && sleep 1.1"); // the kernel's view of g's link count and ctime: see docs/fuse.md
    ok("tar -C mnt/hl -cf hl.tar b && mkdir mnt/hl/untar && tar -C mnt/hl/untar -xf hl.tar");
    assertThat(ok("stat -c %h mnt/hl/untar/b/g2").out().trim()).isEqualTo("2");
    int kib = Integer.parseInt(ok("sleep 1.1; du -sk mnt/hl/untar/b | cut -f1").out().trim());
    assertThat(kib).as("5,000,000 bytes under two names, counted once").isBetween(4880, 4890);
    ok("rm -r mnt/hl/b");
    ok("cmp src/big.bin mnt/hl/untar/b/g && cmp src/big.bin mnt/hl/untar/b/g2");
  }

  @Test
  void fifosSocketsAndDevicesAreEntriesTheKernelServes() {
    ok("mkfifo -m 0640 mnt/pipe");
    assertThat(ok("stat -c '%F %a' mnt/pipe").out().trim()).isEqualTo("fifo 640");
    assertThat(ok("(echo through-the-pipe > mnt/pipe &); cat mnt/pipe").out()).isEqualTo("through-the-pipe\n");
    ok("mknod mnt/null c 1 3 && mknod mnt/disk b 8 1");
    assertThat(ok("stat -c '%F %t,%T' mnt/null").out().trim()).isEqualTo("character special file 1,3");
    assertThat(ok("stat -c '%F %t,%T' mnt/disk").out().trim()).isEqualTo("block special file 8,1");
    ok("python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.bind('mnt/sock')\"");
    assertThat(ok("stat -c %F mnt/sock").out().trim()).isEqualTo("socket");
    ok("mkdir specials && mkfifo specials/p && tar -C specials -cf specials.tar . && mkdir mnt/specials"
        + " && tar -C mnt/specials -xf specials.tar");
    assertThat(ok("stat -c %F mnt/specials/p").out().trim()).isEqualTo("fifo");
    ok("rm mnt/pipe mnt/null mnt/disk mnt/sock");
    assertThat(m.sh("ls mnt/pipe").code()).isNotZero();
  }

  @Test
  void extendedAttributesAreKeptAndCopied() {
    ok("echo data > mnt/tagged");
    String py = "python3 -c \"import os; os.setxattr('mnt/tagged', 'user.origin', b'camera');"
        + " os.setxattr('mnt/tagged', 'user.empty', b'');"
        + " print(sorted(os.listxattr('mnt/tagged')), os.getxattr('mnt/tagged', 'user.origin'))\"";
    assertThat(ok(py).out().trim()).isEqualTo("['user.empty', 'user.origin'] b'camera'");
    MountedCluster.Result create = m.sh("python3 -c \"import os; os.setxattr('mnt/tagged', 'user.origin', b'x',"
        + " os.XATTR_CREATE)\"");
    assertThat(create.out()).contains("File exists");
    MountedCluster.Result missing = m.sh("python3 -c \"import os; os.getxattr('mnt/tagged', 'user.none')\"");
    assertThat(missing.out()).contains("No data available");
    MountedCluster.Result tooBig = m.sh("python3 -c \"import os; os.setxattr('mnt/tagged', 'user.big', b'x' * 70000)\"");
    assertThat(tooBig.code()).isNotZero();
    ok("cp --preserve=xattr mnt/tagged mnt/tagged-copy");
    assertThat(ok("python3 -c \"import os; print(os.getxattr('mnt/tagged-copy', 'user.origin'))\"").out().trim())
        .isEqualTo("b'camera'");
    ok("python3 -c \"import os; os.removexattr('mnt/tagged', 'user.origin')\"");
    assertThat(ok("python3 -c \"import os; print(os.listxattr('mnt/tagged'))\"").out().trim()).isEqualTo("['user.empty']");
    assertThat(ok("cat mnt/tagged").out()).isEqualTo("data\n");
  }

  @Test
  void gitCloneOfALocalRepositoryOnTheMountHardLinksItsObjects() {
    ok("git init -q mnt/local-origin && cd mnt/local-origin && git config user.email t@t && git config user.name t"
        + " && cp -r ../../src/tree . && git add -A && git commit -qm one");
    ok("git clone -q mnt/local-origin mnt/local-clone");
    String objects = ok("cd mnt/local-clone && find .git/objects -type f -links +1 | wc -l").out().trim();
    assertThat(Integer.parseInt(objects)).as("objects shared with the origin by hard links").isPositive();
    ok("cd mnt/local-clone && git fsck --strict && test -z \"$(git status --porcelain)\"");
    ok("diff -r src/tree mnt/local-clone/tree");
  }

  @Test
  void rsyncTwiceTransfersNothingTheSecondTime() {
    ok("rsync -a src/tree/ mnt/synced/");
    ok("diff -r src/tree mnt/synced");
    String second = ok("rsync -a --itemize-changes src/tree/ mnt/synced/").out();
    assertThat(MountedCluster.lines(second)).as(second).isEmpty();
  }

  private static long patchedBytes() {
    var meter = m.mount.metrics().getMeters().get("client.patch.bytes_written");
    return meter == null ? 0 : meter.getCount();
  }

  @Test
  void anEditInsideABigFileRewritesTheBlockItTouchesAndAWritePastTheEndLeavesAHole() {
    ok("cp src/big.bin edit.bin && cp src/big.bin mnt/edit.bin"); // five 1 MiB blocks
    long before = patchedBytes();
    String edit = "printf 'EDITED!' | dd of=%s bs=1 seek=2500000 conv=notrunc status=none";
    ok(String.format(edit, "mnt/edit.bin") + " && " + String.format(edit, "edit.bin"));
    ok("cmp edit.bin mnt/edit.bin");
    assertThat(patchedBytes() - before).as("bytes written for a 7-byte edit").isEqualTo(1 << 20);

    before = patchedBytes();
    String far = "printf 'far' | dd of=%s bs=1 seek=40000000 conv=notrunc status=none";
    ok(String.format(far, "mnt/edit.bin") + " && " + String.format(far, "edit.bin"));
    ok("cmp edit.bin mnt/edit.bin");
    // the short last block is rewritten with its growth; the 35 MB between is a hole
    assertThat(patchedBytes() - before).isLessThan(1 << 20);
    assertThat(Long.parseLong(ok("du -B1 mnt/edit.bin | cut -f1").out().trim())).isLessThan(6_000_000L);
    // and an edit inside the hole stores only what was written there
    before = patchedBytes();
    String mid = "printf 'middle' | dd of=%s bs=1 seek=20000000 conv=notrunc status=none";
    ok(String.format(mid, "mnt/edit.bin") + " && " + String.format(mid, "edit.bin"));
    ok("cmp edit.bin mnt/edit.bin");
    assertThat(patchedBytes() - before).isEqualTo(6);
  }

  @Test
  void punchingAndZeroingRangesReadAsZerosAndFreeTheBlocksTheyCover() {
    ok("cp src/big.bin punch.bin && cp src/big.bin mnt/punch.bin"); // five 1 MiB blocks
    long before = patchedBytes();
    String punch = "fallocate -p -o 1000000 -l 2500000 %s"; // blocks 1 and 2 whole, parts of blocks 0 and 3
    ok(String.format(punch, "mnt/punch.bin") + " && " + String.format(punch, "punch.bin"));
    ok("cmp punch.bin mnt/punch.bin");
    assertThat(ok("stat -c %s mnt/punch.bin").out().trim()).isEqualTo("5000000");
    // blocks 0 and 3 rewritten with their zeros; blocks 1 and 2 are a hole now
    assertThat(patchedBytes() - before).isEqualTo(2L << 20);
    assertThat(Long.parseLong(ok("du -B1 mnt/punch.bin | cut -f1").out().trim())).isLessThan(3_000_000L);
    String zero = "fallocate -z -o 4900000 -l 200000 %s"; // past the end: the file grows
    ok(String.format(zero, "mnt/punch.bin") + " && " + String.format(zero, "punch.bin"));
    ok("cmp punch.bin mnt/punch.bin");
    assertThat(ok("stat -c %s mnt/punch.bin").out().trim()).isEqualTo("5100000");
  }

  @Test
  void aFileOrDirectoryMadeWithModeZeroHasNoPermissionBits() {
    // as root (the test's user), whom the umask leaves mode 0 as it is
    ok("python3 -c \"import os; os.umask(0); os.close(os.open('mnt/nomode', os.O_CREAT | os.O_WRONLY, 0));"
        + " os.mkdir('mnt/nomodedir', 0)\"");
    assertThat(ok("stat -c %a mnt/nomode mnt/nomodedir").out().lines().toList()).containsExactly("0", "0");
    ok("mkdir -m 0 mnt/nomodedir2 && mkdir mnt/defaultdir && touch mnt/defaultfile");
    assertThat(ok("stat -c %a mnt/nomodedir2 mnt/defaultdir mnt/defaultfile").out().lines().toList())
        .containsExactly("0", "755", "644");
  }

  @Test
  void overwriteInPlaceAndAtAnOffset() {
    ok("printf 'AAAAAAAAAA' > mnt/patch.txt");
    ok("printf 'BB' | dd of=mnt/patch.txt bs=1 seek=3 conv=notrunc status=none");
    assertThat(ok("cat mnt/patch.txt").out()).isEqualTo("AAABBAAAAA");
    ok("cp src/small.bin mnt/over.bin && cp src/big.bin mnt/over.bin && cmp src/big.bin mnt/over.bin");
    ok("head -c 2000000 src/big.bin > part.bin && cp part.bin mnt/over.bin && cmp part.bin mnt/over.bin");
    ok("echo appended >> mnt/patch.txt");
    assertThat(ok("cat mnt/patch.txt").out()).isEqualTo("AAABBAAAAAappended\n");
    ok("truncate -s 4 mnt/patch.txt");
    assertThat(ok("cat mnt/patch.txt").out()).isEqualTo("AAAB");
  }

  @Test
  void errorsAreTheRightErrno() {
    ok("mkdir mnt/errs && touch mnt/errs/f");
    assertThat(m.sh("mkdir mnt/errs").out()).contains("File exists");
    assertThat(m.sh("rmdir mnt/errs").out()).contains("Directory not empty");
    assertThat(m.sh("touch mnt/errs/" + "n".repeat(300)).out()).contains("File name too long");
    assertThat(m.sh("cat mnt/errs/missing").out()).contains("No such file or directory");
    assertThat(m.sh("mkdir mnt/errs/f/x").out()).contains("Not a directory");
    assertThat(m.sh("rmdir mnt/errs/f").out()).contains("Not a directory");
  }

  @Test
  void tarKeepsEveryFilesModeTimeAndOwner() {
    // tar sets mtime (futimens with atime UTIME_OMIT), owner and mode on each file before closing it
    ok("mkdir -p attrsrc/d && echo one > attrsrc/d/one && head -c 3000 /dev/urandom > attrsrc/d/two"
        + " && chmod 640 attrsrc/d/one && chmod 751 attrsrc/d/two && chown 1234:2345 attrsrc/d/two"
        + " && touch -d '2001-02-03 04:05:06' attrsrc/d/one && touch -d '1999-12-31 23:59:58' attrsrc/d/two");
    ok("tar -C attrsrc -cf attrs.tar d && mkdir -p mnt/attrtar && tar -C mnt/attrtar -xf attrs.tar");
    String format = "stat -c '%n %a %Y %u %g %s' ";
    String want = ok("cd attrsrc && " + format + "d/one d/two").out();
    assertThat(ok("cd mnt/attrtar && " + format + "d/one d/two").out()).isEqualTo(want);
    // only the modification time, as touch -m asks: the access time is UTIME_OMIT
    ok("touch -m -d '2011-11-11 11:11:11' mnt/attrtar/d/one");
    assertThat(ok("date -u -d @$(stat -c %Y mnt/attrtar/d/one) +%Y-%m-%d").out().trim()).isEqualTo("2011-11-11");
  }

  @Test
  void aSecondDescriptorReadsWhatTheFirstIsStillWriting() {
    // git index-pack writes a pack, then reads it back through new descriptors before closing it
    ok("python3 -c \"import os\n"
        + "fd = os.open('mnt/rw.bin', os.O_CREAT | os.O_EXCL | os.O_RDWR)\n"
        + "os.write(fd, b'0123456789' * 1000)\n"
        + "r = os.open('mnt/rw.bin', os.O_RDONLY)\n"
        + "assert os.pread(r, 10, 9990) == b'0123456789', 'second descriptor misses written bytes'\n"
        + "os.write(fd, b'tail')\n"
        + "os.pwrite(fd, b'HEAD', 0)\n"
        + "os.close(fd)\n"
        + "os.close(r)\n\"");
    assertThat(ok("head -c 6 mnt/rw.bin; echo; tail -c 6 mnt/rw.bin; echo; stat -c %s mnt/rw.bin").out())
        .isEqualTo("HEAD45\n89tail\n10004\n");
  }

  @Test
  void gitCloneOntoTheMountWorks() {
    ok("git init -q --bare origin.git && git init -q work && cd work && git config user.email t@t"
        + " && git config user.name t && cp -r ../src/tree . && git add -A && git commit -qm one"
        + " && git push -q ../origin.git HEAD:main");
    ok("git clone -q --no-local -b main origin.git mnt/cloned");
    ok("cd mnt/cloned && git fsck --strict && test -z \"$(git status --porcelain)\"");
    ok("diff -r src/tree mnt/cloned/tree");
  }

  @Test
  void anotherClientsNewFileShowsUpWithinTwoSecondsOfAListing() throws Exception {
    ok("mkdir mnt/shared && ls mnt/shared && test ! -e mnt/shared/late");
    try (var out = m.cluster.newFileSystem("other").create("/shared/late", io.dfs.client.fs.CreateOptions.defaults())) {
      out.write(new byte[] {'x'});
    }
    // the mount knew the directory had no such name; that knowledge lasts at most a second more
    // than the kernel's own entry cache
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(3))
        .until(() -> m.sh("cat mnt/shared/late").out().equals("x"));
    // this mount's own changes are seen at once
    ok("echo mine > mnt/shared/own && cat mnt/shared/own && rm mnt/shared/own && test ! -e mnt/shared/own");
  }

  @Test
  void statsOfAListedDirectoryReadTheListingAheadOnceItsAttributesExpired() throws Exception {
    int entries = 1_500;
    try (DfsFileSystem other = m.cluster.newFileSystem("lister")) {
      MetadataClient c = ((DfsClient) other).metadata();
      c.mkdir(MkdirRequest.newBuilder().setPath("/scan").build());
      List<CompletableFuture<?>> creates = new ArrayList<>();
      for (int i = 0; i < entries; i++) {
        creates.add(c.writeAsync(MetaRequest.newBuilder().setMknod(MknodRequest.newBuilder().setPath("/scan/e" + i)
            .setType(FileType.FIFO).setMode(0644)).build()));
      }
      CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    assertThat(ok("ls mnt/scan | wc -l").out().trim()).isEqualTo(Integer.toString(entries));
    // every attribute the listing brought has expired, in the mount and in the kernel
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(AttributeCache.TTL_NANOS) + 300);
    long statsBefore = m.mount.metrics().timer("client.stat").getCount();
    long listsBefore = m.mount.metrics().timer("client.list").getCount();
    String stats = ok("cd mnt/scan && stat -c %F $(seq -f e%g 0 " + (entries - 1) + ") | sort | uniq -c").out();
    assertThat(stats.trim()).isEqualTo(entries + " fifo");
    long stated = m.mount.metrics().timer("client.stat").getCount() - statsBefore;
    long listed = m.mount.metrics().timer("client.list").getCount() - listsBefore;
    // one listing page answers the next stats: a few round trips, not one per entry
    assertThat(stated + listed).as("%d stats, %d pages", stated, listed)
        .isLessThanOrEqualTo(2L * entries / ListingReadAhead.PAGE + 10);
    // a name the directory does not have is still absent
    assertThat(m.sh("stat mnt/scan/e" + entries).code()).isNotZero();
  }

  @Test
  void aFileRenamedRightAfterItsCloseRidesWithItsCompletion() throws Exception {
    long riding = m.mount.metrics().meter("fuse.rename_with_completion").getCount();
    long deferred = m.mount.metrics().meter("fuse.attr_deferred").getCount();
    // rsync's and an editor's pattern: write a temporary file, close it, set its mode and times,
    // rename it onto its name; the mount holds the directory it made, so nothing here waits for
    // the file's write-back
    ok("mkdir mnt/rs && cd mnt/rs && for i in $(seq 1 30); do echo $i > .t$i && chmod 640 .t$i"
        + " && touch -h -m -d '2001-02-03 04:05:06 UTC' .t$i && mv .t$i f$i; done"); // -h: utimensat, no open
    assertThat(m.mount.metrics().meter("fuse.rename_with_completion").getCount() - riding).isGreaterThanOrEqualTo(15);
    assertThat(m.mount.metrics().meter("fuse.attr_deferred").getCount() - deferred).isGreaterThanOrEqualTo(30);
    // seen at once as if every step had waited, and after the write-back too
    assertThat(ok("ls -A mnt/rs | sort -V | tr '\\n' ' '").out().trim())
        .isEqualTo(ok("seq -f f%g 1 30 | tr '\\n' ' '").out().trim());
    assertThat(ok("stat -c '%a %Y %s' mnt/rs/f7").out().trim()).isEqualTo("640 981173106 2");
    ok("python3 -c \"import os; f = os.open('mnt/rs/f30', os.O_RDONLY); os.fsync(f)\"");
    assertThat(ok("cat mnt/rs/f30").out()).isEqualTo("30\n");
    try (DfsFileSystem other = m.cluster.newFileSystem("rename-observer")) {
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(other.list("/rs")).hasSize(30));
      FileStatus f7 = other.stat("/rs/f7");
      assertThat(f7.getMode() & 07777).isEqualTo(0640);
      assertThat(f7.getMtimeMs()).isEqualTo(981_173_106_000L);
      assertThat(f7.getUnderConstruction()).isFalse();
    }
    // rsync itself, and the copy is exact
    ok("rsync -a src/tree/ mnt/rsynced/ && diff -r src/tree mnt/rsynced");
  }

  @Test
  void aDirectorysAttributesIncludeItsClientsOwnChangesStillOnTheirWay() throws Exception {
    try (DfsFileSystem fs = m.cluster.newFileSystem("own-writes")) {
      DfsClient c = (DfsClient) fs;
      c.metadata().delegations().enable();
      c.mkdir("/own", 0755, "", ""); // made with a delegation: the creates below go without waiting
      for (int i = 0; i < 3; i++) {
        try (var out = c.create("/own/f" + i, CreateOptions.defaults())) {
          // the create is on its way; it changes the directory (entry count, times) when applied,
          // and this client's stat of the directory shows it
          assertThat(c.stat("/own").getChildren()).isEqualTo(i + 1);
          out.write(i);
        }
      }
      assertThat(c.metadata().metrics().meter("client.delegations.creates_sent").getCount()).isEqualTo(3);
    }
  }

  @Test
  void metadataChangesShowUp() {
    ok("touch mnt/attrs && chmod 600 mnt/attrs && touch -d '2020-01-02 03:04:05' mnt/attrs");
    assertThat(ok("stat -c '%a %Y' mnt/attrs").out().trim()).startsWith("600 ");
    assertThat(ok("date -d @$(stat -c %Y mnt/attrs) +%Y").out().trim()).isEqualTo("2020");
    assertThat(ok("df -k mnt | tail -1").out()).contains("dfs");
  }

  @Test
  void timesAreKeptToTheNanosecond() throws Exception {
    // a file open while its times are set (the change waits for its completion), a file closed,
    // and a directory, each read back at once and past the kernel's attribute cache (1 s)
    ok("mkdir mnt/ns && touch mnt/ns/closed");
    Thread.sleep(2_100); // made at least two seconds before its times are set: see the change time below
    long setAt = System.currentTimeMillis() / 1000;
    ok("export TZ=UTC && exec 3>mnt/ns/open && echo x >&3"
        + " && touch -d '2020-01-02 03:04:05.123456789' mnt/ns/open mnt/ns/closed mnt/ns"
        + " && touch -a -d '2019-05-06 07:08:09.987654321' mnt/ns/closed && exec 3>&-");
    String expected = "2020-01-02 03:04:05.123456789";
    for (int pass = 0; pass < 2; pass++) {
      String out = ok("TZ=UTC stat -c '%n %y' mnt/ns/open mnt/ns/closed mnt/ns").out();
      assertThat(out).as("pass %d", pass).contains("mnt/ns/open " + expected, "mnt/ns/closed " + expected,
          "mnt/ns " + expected);
      assertThat(ok("TZ=UTC stat -c %x mnt/ns/closed").out()).startsWith("2019-05-06 07:08:09.987654321");
      Thread.sleep(1_200);
    }
    assertThat(Long.parseLong(ok("stat -c %Z mnt/ns/closed").out().trim())).as("utimensat changes the change time")
        .isGreaterThanOrEqualTo(setAt);
    // a later write makes the modification time "now" again, in whole milliseconds
    ok("echo more >> mnt/ns/closed");
    Thread.sleep(1_200);
    assertThat(ok("stat -c %Y mnt/ns/closed").out().trim()).isNotEqualTo("1577934245");
  }

  @Test
  void createsInADirectoryTheMountHoldsStayExclusiveForEveryClient() throws Exception {
    // the mount makes the directory with a delegation of it: these creates go without waiting
    long sentBefore = m.mount.metrics().meter("client.delegations.creates_sent").getCount();
    ok("mkdir mnt/held && for i in $(seq 1 40); do echo $i > mnt/held/f$i; done");
    assertThat(m.mount.metrics().meter("client.delegations.creates_sent").getCount() - sentBefore).isEqualTo(40);
    // past the attribute cache's lifetime the mount still knows every name there: the kernel's
    // lookup of each new name before its create, and the directory's attributes each create
    // needs, are answered without asking the cluster (only the expired attributes of the
    // directory and its parent are asked for, once)
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(AttributeCache.TTL_NANOS) + 200);
    long statsBefore = m.mount.metrics().timer("client.stat").getCount();
    ok("for i in $(seq 41 50); do echo $i > mnt/held/g$i; done");
    assertThat(m.mount.metrics().timer("client.stat").getCount() - statsBefore).isLessThanOrEqualTo(2);
    // a directory's attributes in a directory the mount holds change without waiting, shown at once
    long backgroundBefore = m.mount.metrics().meter("fuse.attr_background").getCount();
    ok("mkdir mnt/held/sub && chmod 750 mnt/held/sub && touch -m -d '2001-02-03 04:05:06 UTC' mnt/held/sub");
    assertThat(m.mount.metrics().meter("fuse.attr_background").getCount() - backgroundBefore).isEqualTo(2);
    assertThat(ok("stat -c '%a %Y' mnt/held/sub").out().trim()).isEqualTo("750 981173106");
    // O_EXCL on a name the mount created moments ago
    MountedCluster.Result clobber = m.sh("python3 -c \"import os; os.open('mnt/held/f1', os.O_CREAT | os.O_EXCL"
        + " | os.O_WRONLY)\"");
    assertThat(clobber.code()).as(clobber.out()).isNotZero();
    assertThat(clobber.out()).contains("FileExistsError");
    try (DfsFileSystem other = m.cluster.newFileSystem("another-client")) {
      // another client sees every file the mount created, and cannot create one of them again
      assertThat(other.list("/held")).hasSize(51);
      await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
        FileStatus sub = other.stat("/held/sub");
        assertThat(sub.getMode() & 07777).isEqualTo(0750);
        assertThat(sub.getMtimeMs()).isEqualTo(981_173_106_000L);
      });
      assertThatThrownBy(() -> other.create("/held/f7", CreateOptions.defaults()))
          .isInstanceOf(PathExistsException.class);
      // its own new file there waits for the mount to give the directory back, then lands
      try (var out = other.create("/held/theirs", CreateOptions.defaults())) {
        out.write("theirs\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      // the inode numbers the mount showed are the cluster's
      long shown = Long.parseLong(ok("stat -c %i mnt/held/f12").out().trim());
      assertThat(shown).isEqualTo(other.stat("/held/f12").getInodeId());
    }
    assertThat(ok("cat mnt/held/f33").out()).isEqualTo("33\n");
    // another client's change shows within the attribute timeout (docs/fuse.md)
    await().atMost(Duration.ofNanos(2 * AttributeCache.TTL_NANOS)).untilAsserted(() -> {
      assertThat(m.sh("cat mnt/held/theirs").out()).isEqualTo("theirs\n");
      assertThat(ok("ls mnt/held | wc -l").out().trim()).isEqualTo("52");
    });
  }
}
