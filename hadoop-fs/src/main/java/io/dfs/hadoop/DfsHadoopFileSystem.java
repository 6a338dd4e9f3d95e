package io.dfs.hadoop;

import static io.dfs.hadoop.HadoopErrors.call;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_CREATE;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_CREATE_NON_RECURSIVE;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_DELETE;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_GET_FILE_CHECKSUM;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_GET_FILE_STATUS;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_LIST_STATUS;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_MKDIRS;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_OPEN;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_RENAME;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_SET_OWNER;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_SET_PERMISSION;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_SET_TIMES;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_TRUNCATE;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_XATTR_GET_MAP;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_XATTR_GET_NAMED;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_XATTR_GET_NAMED_MAP;
import static org.apache.hadoop.fs.statistics.StoreStatisticNames.OP_XATTR_LIST;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.error.DirectoryNotEmptyException;
import io.dfs.client.error.InvalidPathException;
import io.dfs.client.error.NotADirectoryException;
import io.dfs.client.error.PathExistsException;
import io.dfs.client.error.PathNotFoundException;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsClient;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.DfsOutputStream;
import io.dfs.client.fs.PathNames;
import io.dfs.client.transfer.ChunkChecksums;
import io.dfs.proto.FileType;
import io.dfs.proto.GetBlockLocationsResponse;
import io.dfs.proto.ListResponse;
import io.dfs.proto.LocatedBlock;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.XattrMode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.CompositeCrcFileChecksum;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.XAttrSetFlag;
import org.apache.hadoop.fs.impl.PathCapabilitiesSupport;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSource;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsBinding;
import org.apache.hadoop.fs.statistics.impl.IOStatisticsStore;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.util.DataChecksum;
import org.apache.hadoop.util.Progressable;

/**
 * The {@code dfs://<cluster>/path} Hadoop {@link FileSystem}, over {@link DfsClient}. Found by
 * Hadoop through {@code META-INF/services}; the cluster's settings come from the Hadoop
 * configuration (see {@link ClusterLocator}).
 *
 * <p>Semantics are HDFS's, as Hadoop's file system specification states them: create makes missing
 * parents, rename into an existing directory moves the source under it and answers false where the
 * specification says so, delete of a missing path answers false. Append and concat are not
 * supported (declared in {@link #hasPathCapability}).
 */
public class DfsHadoopFileSystem extends FileSystem implements IOStatisticsSource {
  private static final int LIST_PAGE = 1000;
  static final String OP_SET_REPLICATION = "op_set_replication";
  static final String OP_GET_FILE_BLOCK_LOCATIONS = "op_get_file_block_locations";
  static final String OP_SET_XATTR = "op_set_xattr";
  static final String OP_REMOVE_XATTR = "op_remove_xattr";

  /** Per operation, next to Hadoop's coarse read/write counts in {@link #statistics}. */
  private final IOStatisticsStore iostatistics = IOStatisticsBinding.iostatisticsStore().withCounters(OP_OPEN,
      OP_CREATE, OP_CREATE_NON_RECURSIVE, OP_TRUNCATE, OP_RENAME, OP_DELETE, OP_LIST_STATUS, OP_MKDIRS,
      OP_GET_FILE_STATUS, OP_SET_PERMISSION, OP_SET_OWNER, OP_SET_TIMES, OP_SET_REPLICATION,
      OP_GET_FILE_BLOCK_LOCATIONS, OP_GET_FILE_CHECKSUM, OP_SET_XATTR, OP_REMOVE_XATTR, OP_XATTR_GET_NAMED,
      OP_XATTR_GET_MAP, OP_XATTR_GET_NAMED_MAP, OP_XATTR_LIST).build();

  private URI uri;
  private ClusterConfig cluster;
  private DfsClient client;
  private Path workingDirectory;

  @Override
  public String getScheme() {
    return ClusterLocator.SCHEME;
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    setConf(conf);
    cluster = ClusterLocator.locate(name, conf);
    uri = URI.create(ClusterLocator.SCHEME + "://" + name.getAuthority());
    client = new DfsClient(cluster, "hadoop-" + UUID.randomUUID());
    workingDirectory = getHomeDirectory();
  }

  /** The client underneath, for callers that want our API (and its precise exceptions). */
  public DfsClient client() {
    return client;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public Path getWorkingDirectory() {
    return workingDirectory;
  }

  @Override
  public void setWorkingDirectory(Path directory) {
    workingDirectory = makeQualified(directory);
  }

  @Override
  public long getDefaultBlockSize() {
    return cluster.blockSize();
  }

  @Override
  public short getDefaultReplication() {
    return (short) cluster.replication();
  }

  // ------------------------------------------------------------------ data

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    String path = pathOf(f);
    readOp(OP_OPEN);
    try {
      return new FSDataInputStream(new HadoopInputStream(call(() -> client.open(path)), statistics));
    } catch (org.apache.hadoop.fs.PathIsDirectoryException e) {
      throw (FileNotFoundException) new FileNotFoundException("is a directory: " + path).initCause(e);
    }
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return create(f, permission, overwrite, replication, blockSize, progress, true);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, EnumSet<CreateFlag> flags,
      int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
    if (flags.contains(CreateFlag.APPEND)) {
      throw new UnsupportedOperationException("dfs:// files cannot be appended to (yet): " + f);
    }
    return create(f, permission, flags.contains(CreateFlag.OVERWRITE), replication, blockSize, progress, false);
  }

  private FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, short replication,
      long blockSize, Progressable progress, boolean createParents) throws IOException {
    String path = pathOf(f);
    writeOp(createParents ? OP_CREATE : OP_CREATE_NON_RECURSIVE);
    CreateOptions options = CreateOptions.defaults().withOverwrite(overwrite).withReplication(replication)
        .withBlockSize(blockSizeOf(blockSize)).withMode(modeOf(permission)).withCreateParents(createParents)
        .withOwner(currentUser(), "");
    DfsOutputStream out;
    try {
      out = call(() -> client.create(path, options));
    } catch (org.apache.hadoop.fs.PathIsDirectoryException e) {
      throw (FileAlreadyExistsException) new FileAlreadyExistsException("is a directory: " + path).initCause(e);
    }
    return new FSDataOutputStream(new HadoopOutputStream(out, progress), statistics);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
    throw new UnsupportedOperationException("dfs:// files cannot be appended to (yet): " + f);
  }

  /** Hadoop's truncate only shortens (its specification; HDFS refuses a greater length too). */
  @Override
  public boolean truncate(Path f, long newLength) throws IOException {
    String path = pathOf(f);
    if (newLength > getFileStatus(f).getLen()) {
      throw new org.apache.hadoop.HadoopIllegalArgumentException(
          "truncate cannot grow a file: " + newLength + " > length of " + f);
    }
    writeOp(OP_TRUNCATE);
    call(() -> {
      client.truncate(path, newLength);
      return null;
    });
    return true;
  }

  // ------------------------------------------------------------------ namespace

  /**
   * Hadoop's rename: into an existing directory the source moves under it; false, not an
   * exception, when the source is missing, the destination (or the entry inside it) exists, the
   * destination's parent is missing, or the destination lies under the source. The common case
   * (a new name) is one namespace write; only an existing destination costs a lookup more.
   */
  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    String source = pathOf(src);
    String destination = pathOf(dst);
    writeOp(OP_RENAME);
    if (source.equals("/")) {
      return false;
    }
    if (!destination.equals("/")) {
      try {
        client.rename(source, destination, false);
        return true;
      } catch (PathExistsException e) {
        // an existing destination: the source goes inside it if it is a directory
      } catch (PathNotFoundException | NotADirectoryException | InvalidPathException e) {
        return false;
      }
    }
    io.dfs.proto.FileStatus to = statOrNull(destination);
    if (to == null || to.getType() != FileType.DIRECTORY) {
      return false;
    }
    try {
      client.rename(source, child(destination, PathNames.nameOf(source)), false);
      return true;
    } catch (PathExistsException | PathNotFoundException | NotADirectoryException | InvalidPathException e) {
      return false;
    }
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    String path = pathOf(f);
    writeOp(OP_DELETE);
    if (path.equals("/")) {
      return deleteChildrenOfRoot(recursive);
    }
    try {
      client.delete(path, recursive);
      return true;
    } catch (PathNotFoundException e) {
      return false;
    } catch (DirectoryNotEmptyException e) {
      throw (IOException) new PathIsNotEmptyDirectoryException(path).initCause(e);
    }
  }

  /** The root itself stays, as on HDFS; a recursive delete of it empties it. */
  private boolean deleteChildrenOfRoot(boolean recursive) throws IOException {
    List<io.dfs.proto.FileStatus> children = call(() -> client.list("/"));
    if (children.isEmpty()) {
      return true;
    }
    if (!recursive) {
      throw new PathIsNotEmptyDirectoryException("/");
    }
    for (io.dfs.proto.FileStatus child : children) {
      try {
        client.delete(child.getPath(), true);
      } catch (PathNotFoundException e) {
        // deleted meanwhile by someone else
      }
    }
    return true;
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    String path = pathOf(f);
    listOp(OP_LIST_STATUS);
    try {
      List<io.dfs.proto.FileStatus> entries = call(() -> client.list(path));
      FileStatus[] out = new FileStatus[entries.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = toHadoop(entries.get(i));
      }
      return out;
    } catch (ParentNotDirectoryException e) {
      return new FileStatus[] {getFileStatus(f)};
    }
  }

  /** Directory entries fetched a page at a time as the caller iterates (huge directories stay cheap). */
  @Override
  public RemoteIterator<FileStatus> listStatusIterator(Path f) throws IOException {
    String path = pathOf(f);
    FileStatus self = getFileStatus(f);
    if (!self.isDirectory()) {
      return singleton(self);
    }
    return new RemoteIterator<>() {
      private List<io.dfs.proto.FileStatus> page = List.of();
      private int next;
      private String after = "";
      private boolean more = true;

      @Override
      public boolean hasNext() throws IOException {
        while (next == page.size() && more) {
          listOp(OP_LIST_STATUS);
          ListResponse r = call(() -> client.listPage(path, after, LIST_PAGE));
          page = r.getEntriesList();
          next = 0;
          more = r.getHasMore();
          if (!page.isEmpty()) {
            after = PathNames.nameOf(page.get(page.size() - 1).getPath());
          }
        }
        return next < page.size();
      }

      @Override
      public FileStatus next() throws IOException {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return toHadoop(page.get(next++));
      }
    };
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    String path = pathOf(f);
    writeOp(OP_MKDIRS);
    int mode = modeOf(permission);
    try {
      try {
        client.mkdir(path, mode, currentUser(), "");
      } catch (PathNotFoundException e) {
        call(() -> client.mkdirs(PathNames.parentOf(path))); // missing ancestors get the default mode, as on HDFS
        client.mkdir(path, mode, currentUser(), "");
      }
    } catch (PathExistsException e) {
      if (call(() -> client.stat(path)).getType() != FileType.DIRECTORY) {
        throw (IOException) new FileAlreadyExistsException("a file exists at " + path).initCause(e);
      }
    } catch (NotADirectoryException e) {
      throw (IOException) new ParentNotDirectoryException(e.getMessage()).initCause(e);
    }
    return true;
  }

  /** A path under a file does not exist (FileNotFoundException, as on HDFS), rather than ENOTDIR. */
  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    String path = pathOf(f);
    readOp(OP_GET_FILE_STATUS);
    try {
      return toHadoop(call(() -> client.stat(path)));
    } catch (ParentNotDirectoryException e) {
      throw (FileNotFoundException) new FileNotFoundException(e.getMessage()).initCause(e);
    }
  }

  @Override
  public void setPermission(Path f, FsPermission permission) throws IOException {
    String path = pathOf(f);
    writeOp(OP_SET_PERMISSION);
    call(() -> client.setPermission(path, permission.toShort() & 07777));
  }

  @Override
  public void setOwner(Path f, String owner, String group) throws IOException {
    if (owner == null && group == null) {
      throw new IllegalArgumentException("setOwner needs an owner or a group");
    }
    String path = pathOf(f);
    writeOp(OP_SET_OWNER);
    call(() -> client.setOwner(path, owner, group));
  }

  @Override
  public void setTimes(Path f, long mtime, long atime) throws IOException {
    String path = pathOf(f);
    writeOp(OP_SET_TIMES);
    // Hadoop's -1 leaves a time as it is
    call(() -> client.setTimes(path, mtime < 0 ? null : java.nio.file.attribute.FileTime.fromMillis(mtime),
        atime < 0 ? null : java.nio.file.attribute.FileTime.fromMillis(atime)));
  }

  @Override
  public boolean setReplication(Path f, short replication) throws IOException {
    String path = pathOf(f);
    writeOp(OP_SET_REPLICATION);
    try {
      call(() -> {
        client.setReplication(path, replication);
        return null;
      });
      return true;
    } catch (org.apache.hadoop.fs.PathIsDirectoryException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ extended attributes

  @Override
  public void setXAttr(Path f, String name, byte[] value, EnumSet<XAttrSetFlag> flag) throws IOException {
    boolean create = flag.contains(XAttrSetFlag.CREATE);
    boolean replace = flag.contains(XAttrSetFlag.REPLACE);
    if (!create && !replace) {
      throw new IllegalArgumentException("setXAttr needs CREATE, REPLACE or both");
    }
    XattrMode mode = create && replace ? XattrMode.XATTR_SET : create ? XattrMode.XATTR_CREATE : XattrMode.XATTR_REPLACE;
    String path = pathOf(f);
    writeOp(OP_SET_XATTR);
    call(() -> client.setXattr(path, name, value == null ? new byte[0] : value, mode));
  }

  @Override
  public byte[] getXAttr(Path f, String name) throws IOException {
    String path = pathOf(f);
    readOp(OP_XATTR_GET_NAMED);
    byte[] value = call(() -> client.xattrs(path)).get(name);
    if (value == null) {
      throw new IOException("no extended attribute " + name + " on " + path);
    }
    return value;
  }

  @Override
  public Map<String, byte[]> getXAttrs(Path f) throws IOException {
    String path = pathOf(f);
    readOp(OP_XATTR_GET_MAP);
    return call(() -> client.xattrs(path));
  }

  @Override
  public Map<String, byte[]> getXAttrs(Path f, List<String> names) throws IOException {
    String path = pathOf(f);
    readOp(OP_XATTR_GET_NAMED_MAP);
    Map<String, byte[]> all = call(() -> client.xattrs(path));
    Map<String, byte[]> out = new java.util.TreeMap<>();
    for (String name : names) {
      byte[] value = all.get(name);
      if (value == null) {
        throw new IOException("no extended attribute " + name + " on " + path);
      }
      out.put(name, value);
    }
    return out;
  }

  @Override
  public List<String> listXAttrs(Path f) throws IOException {
    String path = pathOf(f);
    readOp(OP_XATTR_LIST);
    return new ArrayList<>(call(() -> client.xattrs(path)).keySet());
  }

  @Override
  public void removeXAttr(Path f, String name) throws IOException {
    String path = pathOf(f);
    writeOp(OP_REMOVE_XATTR);
    call(() -> client.removeXattr(path, name));
  }

  /** Where each block's live replicas are, so schedulers can run tasks next to their data. */
  @Override
  public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) throws IOException {
    if (file == null) {
      return null;
    }
    if (start < 0 || len < 0) {
      throw new IllegalArgumentException("negative start or length");
    }
    if (file.isDirectory() || file.getLen() <= start) {
      return new BlockLocation[0];
    }
    String path = pathOf(file.getPath());
    readOp(OP_GET_FILE_BLOCK_LOCATIONS);
    GetBlockLocationsResponse r = call(() -> client.metadata().getBlockLocations(path, start, len));
    List<BlockLocation> out = new ArrayList<>();
    for (LocatedBlock b : r.getBlocksList()) {
      List<NodeInfo> nodes = b.getLocationsList();
      String[] names = new String[nodes.size()];
      String[] hosts = new String[nodes.size()];
      String[] topology = new String[nodes.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = nodes.get(i).getHost() + ":" + nodes.get(i).getDataPort();
        hosts[i] = nodes.get(i).getHost();
        topology[i] = "/default-rack/" + names[i];
      }
      out.add(new BlockLocation(names, hosts, topology, b.getOffset(), b.getBlock().getLength(), b.getCorrupt()));
    }
    return out.toArray(new BlockLocation[0]);
  }

  /**
   * HDFS's COMPOSITE-CRC32C: the CRC32C of the whole content, composed by the nodes from their
   * chunk checksums. It equals HDFS's checksum of the same bytes in COMPOSITE_CRC mode, so
   * {@code distcp} between the two can compare files without reading them.
   */
  @Override
  public org.apache.hadoop.fs.FileChecksum getFileChecksum(Path f, long length) throws IOException {
    String path = pathOf(f);
    readOp(OP_GET_FILE_CHECKSUM);
    FileStatus status = getFileStatus(f);
    if (length < status.getLen()) {
      return null; // a prefix's checksum would need the bytes of the cut block; none rather than a wrong one
    }
    io.dfs.client.checksum.FileChecksum sum = call(() -> client.checksum(path));
    return new CompositeCrcFileChecksum(sum.crc32c(), DataChecksum.Type.CRC32C, ChunkChecksums.BYTES_PER_CHECKSUM);
  }

  @Override
  public boolean hasPathCapability(Path path, String capability) throws IOException {
    return switch (PathCapabilitiesSupport.validatePathCapabilityArgs(makeQualified(path), capability)) {
      case CommonPathCapabilities.FS_PERMISSIONS, CommonPathCapabilities.FS_TRUNCATE,
           CommonPathCapabilities.FS_CHECKSUMS, CommonPathCapabilities.FS_XATTRS -> true;
      case CommonPathCapabilities.FS_APPEND, CommonPathCapabilities.FS_CONCAT,
           CommonPathCapabilities.FS_SYMLINKS, CommonPathCapabilities.FS_ACLS,
           CommonPathCapabilities.FS_SNAPSHOTS,
           CommonPathCapabilities.FS_PATHHANDLES -> false;
      default -> super.hasPathCapability(path, capability);
    };
  }

  /** No delegation tokens: a job reaches the cluster with the same settings its client has. */
  @Override
  public String getCanonicalServiceName() {
    return null;
  }

  @Override
  public void close() throws IOException {
    try {
      super.close();
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }

  @Override
  public IOStatistics getIOStatistics() {
    return iostatistics;
  }

  private void readOp(String op) {
    statistics.incrementReadOps(1);
    iostatistics.incrementCounter(op);
  }

  private void listOp(String op) {
    statistics.incrementLargeReadOps(1);
    iostatistics.incrementCounter(op);
  }

  private void writeOp(String op) {
    statistics.incrementWriteOps(1);
    iostatistics.incrementCounter(op);
  }

  // ------------------------------------------------------------------ conversions

  /** The absolute path inside the cluster; a path of another file system is refused. */
  private String pathOf(Path p) {
    Path qualified = makeQualified(p);
    String path = qualified.toUri().getPath();
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /**
   * Hadoop's block size is a hint (HDFS clamps it too, to its minimum): ours must be whole checksum
   * chunks and at least {@link DfsFileSystem#MIN_BLOCK_SIZE}, so a smaller or uneven one rounds up.
   */
  private static long blockSizeOf(long requested) {
    if (requested <= 0) {
      return 0;
    }
    long unit = DfsFileSystem.BLOCK_SIZE_UNIT;
    return Math.max(DfsFileSystem.MIN_BLOCK_SIZE, (requested + unit - 1) / unit * unit);
  }

  private int modeOf(FsPermission permission) {
    FsPermission p = permission == null ? FsPermission.getFileDefault() : permission;
    return p.applyUMask(FsPermission.getUMask(getConf())).toShort() & 07777;
  }

  private FileStatus toHadoop(io.dfs.proto.FileStatus s) {
    boolean dir = s.getType() == FileType.DIRECTORY;
    Path path = new Path(uri.getScheme(), uri.getAuthority(), s.getPath());
    if (s.getType() == FileType.SYMLINK) {
      // listed as what it is; this file system does not resolve links (FS_SYMLINKS is false)
      return new FileStatus(s.getLength(), false, 0, 0, s.getMtimeMs(), s.getAtimeMs(),
          new FsPermission((short) s.getMode()), s.getOwner(), s.getGroup(), new Path(s.getSymlinkTarget()), path);
    }
    return new FileStatus(dir ? 0 : s.getLength(), dir, dir ? 0 : s.getReplication(), dir ? 0 : s.getBlockSize(),
        s.getMtimeMs(), s.getAtimeMs(), new FsPermission((short) s.getMode()), s.getOwner(), s.getGroup(), path);
  }

  private io.dfs.proto.FileStatus statOrNull(String path) throws IOException {
    try {
      return client.stat(path);
    } catch (PathNotFoundException | NotADirectoryException e) {
      return null;
    }
  }

  private static RemoteIterator<FileStatus> singleton(FileStatus status) {
    return new RemoteIterator<>() {
      private boolean done;

      @Override
      public boolean hasNext() {
        return !done;
      }

      @Override
      public FileStatus next() {
        if (done) {
          throw new NoSuchElementException();
        }
        done = true;
        return status;
      }
    };
  }

  private static String child(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }

  @Override
  public Path getHomeDirectory() {
    return makeQualified(new Path("/user/" + currentUser()));
  }

  /** Hadoop's user (the UGI's short name): it owns what it creates, as on HDFS. */
  private static String currentUser() {
    try {
      return UserGroupInformation.getCurrentUser().getShortUserName();
    } catch (IOException e) {
      return System.getProperty("user.name");
    }
  }
}
