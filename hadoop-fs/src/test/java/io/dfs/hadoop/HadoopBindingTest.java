package io.dfs.hadoop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CompositeCrcFileChecksum;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.util.DataChecksum;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the contract tests do not cover: discovery, locality, hflush/hsync, statistics, FileContext, paging, checksums. */
@ExtendWith(DfsClusterExtension.class)
class HadoopBindingTest {
  static final int MiB = 1 << 20;
  static Configuration conf;
  static FileSystem fs;

  @BeforeAll
  static void start() throws Exception {
    conf = DfsContract.clientConf(new Configuration());
    fs = FileSystem.get(DfsContract.uri(), conf);
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static void write(Path p, byte[] data, long blockSize) throws IOException {
    try (FSDataOutputStream out = fs.create(p, true, 4096, (short) 3, blockSize)) {
      out.write(data);
    }
  }

  @Test
  void theSchemeIsFoundThroughServicesWithoutFsDfsImpl() {
    assertThat(conf.get("fs.dfs.impl")).isNull();
    assertThat(fs).isInstanceOf(DfsHadoopFileSystem.class);
    assertThat(fs.getUri()).isEqualTo(URI.create("dfs://contract"));
  }

  @Test
  void anUnknownClusterNameSaysWhichSettingIsMissing() {
    assertThatThrownBy(() -> FileSystem.newInstance(URI.create("dfs://nosuch/"), conf))
        .isInstanceOf(IOException.class).hasMessageContaining("fs.dfs.nosuch.conf");
  }

  @Test
  void blockLocationsNameTheNodesHoldingEachBlock() throws Exception {
    Path p = new Path("/binding/located");
    write(p, random(3 * MiB + 1, 1), MiB);
    Set<String> nodes = new HashSet<>();
    for (int i = 0; i < DfsContract.cluster().nodeCount(); i++) {
      var info = DfsContract.cluster().node(i).info();
      nodes.add(info.getHost() + ":" + info.getDataPort());
    }
    BlockLocation[] all = fs.getFileBlockLocations(fs.getFileStatus(p), 0, Long.MAX_VALUE);
    assertThat(all).hasSize(4);
    for (int i = 0; i < all.length; i++) {
      assertThat(all[i].getOffset()).isEqualTo((long) i * MiB);
      assertThat(all[i].getLength()).isEqualTo(i < 3 ? MiB : 1);
      assertThat(all[i].getNames()).hasSize(3).doesNotHaveDuplicates();
      assertThat(nodes).containsAll(List.of(all[i].getNames()));
      assertThat(all[i].getHosts()).containsOnly("127.0.0.1");
    }
    BlockLocation[] middle = fs.getFileBlockLocations(fs.getFileStatus(p), MiB + MiB / 2, 1);
    assertThat(middle).hasSize(1);
    assertThat(middle[0].getOffset()).isEqualTo(MiB);
  }

  @Test
  void hflushShowsTheBytesToANewReaderAndHsyncToo() throws Exception {
    Path p = new Path("/binding/flushed");
    byte[] data = random(3000, 2);
    try (FileSystem other = FileSystem.newInstance(DfsContract.uri(), conf);
         FSDataOutputStream out = fs.create(p)) {
      assertThat(out.hasCapability(StreamCapabilities.HFLUSH)).isTrue();
      assertThat(out.hasCapability(StreamCapabilities.HSYNC)).isTrue();
      out.write(data, 0, 1000);
      out.hflush();
      assertThat(readAll(other, p)).isEqualTo(java.util.Arrays.copyOf(data, 1000));
      out.write(data, 1000, 2000);
      out.hsync();
      assertThat(readAll(other, p)).isEqualTo(data);
    }
    assertThat(fs.getFileStatus(p).getLen()).isEqualTo(3000);
  }

  @Test
  void statisticsCountTheBytesAndOperations() throws Exception {
    FileSystem.Statistics stats = FileSystem.getStatistics(fs.getUri().getScheme(), fs.getClass());
    long written = stats.getBytesWritten();
    long read = stats.getBytesRead();
    long writeOps = stats.getWriteOps();
    Path p = new Path("/binding/counted");
    write(p, random(12345, 3), MiB);
    readAll(fs, p);
    assertThat(stats.getBytesWritten() - written).isEqualTo(12345);
    assertThat(stats.getBytesRead() - read).isEqualTo(12345);
    assertThat(stats.getWriteOps() - writeOps).isGreaterThanOrEqualTo(1);
  }

  @Test
  void ioStatisticsCountPerStreamAndPerOperation() throws Exception {
    var fsStats = ((org.apache.hadoop.fs.statistics.IOStatisticsSource) fs).getIOStatistics().counters();
    long creates = fsStats.get("op_create");
    long opens = fsStats.get("op_open");
    Path p = new Path("/binding/iostats");
    byte[] data = random(12345, 5);
    try (FSDataOutputStream out = fs.create(p)) {
      out.write(data);
      out.hflush();
      var counters = out.getIOStatistics().counters();
      assertThat(counters.get("stream_write_bytes")).isEqualTo(12345);
      assertThat(counters.get("op_hflush")).isEqualTo(1);
      assertThat(out.hasCapability(StreamCapabilities.IOSTATISTICS)).isTrue();
    }
    try (FSDataInputStream in = fs.open(p)) {
      in.seek(45);
      in.readAllBytes();
      var counters = in.getIOStatistics().counters();
      assertThat(counters.get("stream_read_bytes")).isEqualTo(12345 - 45);
      assertThat(counters.get("stream_read_seek_operations")).isEqualTo(1);
    }
    assertThat(fsStats.get("op_create")).isEqualTo(creates + 1);
    assertThat(fsStats.get("op_open")).isEqualTo(opens + 1);
  }

  @Test
  void whatHadoopsUserCreatesIsTheirs() throws Exception {
    String user = org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getShortUserName();
    Path dirPath = new Path("/binding/owned");
    assertThat(fs.mkdirs(dirPath)).isTrue();
    write(new Path(dirPath, "f"), random(10, 3), MiB);
    assertThat(fs.getFileStatus(dirPath).getOwner()).isEqualTo(user);
    assertThat(fs.getFileStatus(new Path(dirPath, "f")).getOwner()).isEqualTo(user);
  }

  @Test
  void extendedAttributesWorkAsOnHdfs() throws Exception {
    Path p = new Path("/xattrs/f");
    write(p, random(10, 3), MiB);
    assertThat(fs.hasPathCapability(p, org.apache.hadoop.fs.CommonPathCapabilities.FS_XATTRS)).isTrue();
    fs.setXAttr(p, "user.origin", "camera".getBytes(), java.util.EnumSet.of(org.apache.hadoop.fs.XAttrSetFlag.CREATE));
    fs.setXAttr(p, "user.flag", new byte[0]);
    assertThat(fs.getXAttr(p, "user.origin")).isEqualTo("camera".getBytes());
    assertThat(fs.listXAttrs(p)).containsExactly("user.flag", "user.origin");
    assertThat(fs.getXAttrs(p, java.util.List.of("user.origin"))).containsOnlyKeys("user.origin");
    assertThatThrownBy(() -> fs.setXAttr(p, "user.origin", "x".getBytes(),
        java.util.EnumSet.of(org.apache.hadoop.fs.XAttrSetFlag.CREATE))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> fs.setXAttr(p, "user.none", "x".getBytes(),
        java.util.EnumSet.of(org.apache.hadoop.fs.XAttrSetFlag.REPLACE))).isInstanceOf(IOException.class);
    fs.removeXAttr(p, "user.origin");
    assertThat(fs.getXAttrs(p)).containsOnlyKeys("user.flag");
    assertThatThrownBy(() -> fs.getXAttr(p, "user.origin")).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> fs.removeXAttr(p, "user.origin")).isInstanceOf(IOException.class);
  }

  @Test
  void truncateShortensAndRefusesToGrowAsHadoopSays() throws Exception {
    Path p = new Path("/binding/truncated");
    write(p, random(5000, 6), MiB);
    assertThat(fs.truncate(p, 1234)).isTrue();
    assertThat(fs.getFileStatus(p).getLen()).isEqualTo(1234);
    assertThatThrownBy(() -> fs.truncate(p, 9999)).isInstanceOf(org.apache.hadoop.HadoopIllegalArgumentException.class);
    assertThat(fs.getFileStatus(p).getLen()).isEqualTo(1234);
  }

  @Test
  void fileContextWorksThroughTheAbstractFileSystemBinding() throws Exception {
    FileContext fc = FileContext.getFileContext(DfsContract.uri(), conf);
    Path src = new Path("/binding/fc/deep/src");
    try (FSDataOutputStream out = fc.create(src, EnumSet.of(CreateFlag.CREATE), Options.CreateOpts.createParent())) {
      out.writeUTF("through FileContext");
    }
    Path dst = new Path("/binding/fc/dst");
    fc.rename(src, dst);
    assertThat(fc.util().exists(src)).isFalse();
    try (FSDataInputStream in = fc.open(dst)) {
      assertThat(in.readUTF()).isEqualTo("through FileContext");
    }
    assertThat(fc.getFileStatus(dst).getLen()).isEqualTo(2 + "through FileContext".length());
  }

  @Test
  void listStatusIteratorPagesThroughABigDirectory() throws Exception {
    Path dir = new Path("/binding/big");
    int entries = 1050; // more than one page of 1000
    fs.mkdirs(dir);
    for (int i = 0; i < entries; i++) {
      fs.mkdirs(new Path(dir, String.format("d%05d", i)));
    }
    List<String> names = new ArrayList<>();
    RemoteIterator<FileStatus> it = fs.listStatusIterator(dir);
    while (it.hasNext()) {
      names.add(it.next().getPath().getName());
    }
    assertThat(names).hasSize(entries).isSorted().doesNotHaveDuplicates();
    assertThat(names.get(entries - 1)).isEqualTo(String.format("d%05d", entries - 1));
  }

  @Test
  void checksumIsHadoopsCompositeCrcOfTheBytesWhateverTheBlockSize() throws Exception {
    byte[] data = random(2 * MiB + 777, 4);
    write(new Path("/binding/sum-a"), data, MiB);
    write(new Path("/binding/sum-b"), data, 64 * 1024);
    CRC32C crc = new CRC32C();
    crc.update(data);
    var expected = new CompositeCrcFileChecksum((int) crc.getValue(), DataChecksum.Type.CRC32C, 512);
    assertThat(fs.getFileChecksum(new Path("/binding/sum-a"))).isEqualTo(expected);
    assertThat(fs.getFileChecksum(new Path("/binding/sum-b"))).isEqualTo(expected);
    assertThat(fs.getFileChecksum(new Path("/binding/sum-a")).getAlgorithmName()).isEqualTo("COMPOSITE-CRC32C");
  }

  static byte[] readAll(FileSystem fs, Path p) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
