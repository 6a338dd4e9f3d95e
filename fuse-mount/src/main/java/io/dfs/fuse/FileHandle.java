package io.dfs.fuse;

import io.dfs.client.error.FileTooLargeException;
import io.dfs.client.fs.AttributeUpdate;
import io.dfs.client.fs.CreateOptions;
import io.dfs.client.fs.DfsFileSystem;
import io.dfs.client.fs.DfsInputStream;
import io.dfs.client.fs.DfsOutputStream;
import io.dfs.client.patch.FileOverlay;
import io.dfs.proto.FileStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

/**
 * One open file of the mount. Files are immutable once written, so writes take one of two paths:
 *
 * <ul>
 *   <li>STREAM: a new or empty file written sequentially from offset 0 (cp, tar, rsync) streams
 *       straight into the cluster as it arrives; nothing is buffered beyond the client's one block.
 *   <li>SPILL: any other write (an offset inside existing data, a rewrite, a truncate to a middle
 *       length) goes to a local sparse spill file, nothing copied; reads see the cluster's content
 *       with the writes on top ({@link FileOverlay}), and a flush patches the file in the cluster:
 *       only the blocks written in are rewritten (copy-on-write per block, {@link
 *       DfsFileSystem#patch}).
 * </ul>
 *
 * Either way other clients see the new content after close (close-to-open consistency). While
 * the handle has content to write, {@code chmod}/{@code chown}/{@code utimensat} of its file are
 * kept here and applied with the file's completion, in the same metadata write (tar sets all
 * three on every file before closing it). One handle's calls are serialized; FUSE may call from
 * several threads.
 */
final class FileHandle {
  private enum Mode { IDLE, STREAM, SPILL }

  private final DfsFileSystem fs;
  /** The handle's file's path; a rename through this mount moves it (see {@link OpenFiles#renamed}). */
  private volatile String path;
  private final Path spillDir;
  private final WriteBehind writeBehind;
  /** The file as the cluster has it: when opened, then after attribute changes applied meanwhile. */
  private FileStatus opened;
  private Mode mode = Mode.IDLE;
  private long length;
  private DfsInputStream in;
  private DfsOutputStream out;
  private Path spillFile;
  private FileChannel spill;
  /** In SPILL mode: what this handle changed on top of the cluster's content. */
  private FileOverlay overlay;
  private AttributeUpdate attributes = AttributeUpdate.NONE;
  /** The file as this handle's last completion left it; null if it did not write it. */
  private FileStatus written;

  FileHandle(DfsFileSystem fs, String path, Path spillDir, WriteBehind writeBehind, FileStatus opened) {
    this.fs = fs;
    this.path = path;
    this.spillDir = spillDir;
    this.writeBehind = writeBehind;
    this.opened = opened;
    this.length = opened.getLength();
  }

  /** A handle for a file just created: its first writes stream. */
  static FileHandle streaming(DfsFileSystem fs, String path, Path spillDir, WriteBehind writeBehind,
      FileStatus created, DfsOutputStream out) {
    FileHandle h = new FileHandle(fs, path, spillDir, writeBehind, created);
    h.mode = Mode.STREAM;
    h.out = out;
    h.length = 0;
    return h;
  }

  synchronized int read(long offset, byte[] buf, int size) throws IOException {
    if (mode == Mode.STREAM) {
      completeStream();
    }
    if (in == null) {
      writeBehind.await(path);
      in = fs.open(path, inodeId()); // the file this descriptor opened, wherever it went
    }
    if (mode == Mode.SPILL) {
      return overlay.read(in, this::readSpill, offset, buf, 0, size);
    }
    if (offset >= in.length()) {
      return 0;
    }
    if (in.getPos() != offset) {
      in.seek(offset);
    }
    int done = 0;
    while (done < size) {
      int n = in.read(buf, done, size - done);
      if (n < 0) {
        break;
      }
      done += n;
    }
    return done;
  }

  synchronized void write(long offset, byte[] data, int size) throws IOException {
    // EFBIG before anything is written, here or in the cluster
    FileTooLargeException.check(offset + size, path);
    if (mode != Mode.SPILL) {
      closeReader(); // the spill's reads still use it: what it reads does not change under them
    }
    if (mode == Mode.IDLE && length == 0 && offset == 0) {
      out = fs.create(path, options().withOverwrite(true));
      mode = Mode.STREAM;
    }
    attributes = attributes.withoutMtime();
    if (mode == Mode.STREAM) {
      if (offset == length) {
        out.write(data, 0, size);
        length += size;
        return;
      }
      completeStream();
    }
    if (mode != Mode.SPILL) {
      toSpill();
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, size);
    long at = offset;
    while (b.hasRemaining()) {
      at += spill.write(b, at);
    }
    overlay.wrote(offset, size);
    length = overlay.length();
  }

  /** Grows the file to {@code size} when it is shorter; the growth is a hole (see {@link #truncate}). */
  synchronized void growTo(long size) throws IOException {
    if (size > length) {
      truncate(size);
    }
  }

  synchronized void truncate(long size) throws IOException {
    FileTooLargeException.check(size, path);
    if (mode != Mode.SPILL) {
      closeReader();
    }
    if (mode == Mode.STREAM && size == length) {
      return;
    }
    if (mode == Mode.STREAM && size > length) {
      // growing a file being streamed: what was streamed completes, and the growth is a hole the
      // cluster records (no zeros stored or sent); later writes take the copy-on-write path
      completeStream();
    }
    if (mode == Mode.IDLE) {
      writeBehind.await(path);
      fs.truncate(path, size);
      length = size;
      written = null; // what an earlier completion left is not the file any more
      return;
    }
    if (mode == Mode.STREAM) {
      completeStream();
      toSpill();
    }
    if (size < spill.size()) {
      spill.truncate(size);
    }
    overlay.truncate(size);
    length = size;
  }

  /**
   * fallocate's PUNCH_HOLE and ZERO_RANGE: {@code [offset, offset + size)} reads as zeros from now
   * on, and blocks it covers whole are stored nowhere once written out; without {@code keepSize}
   * the file grows to the range's end.
   */
  synchronized void zero(long offset, long size, boolean keepSize) throws IOException {
    FileTooLargeException.check(offset + size, path);
    if (mode == Mode.STREAM) {
      completeStream();
    }
    if (mode != Mode.SPILL) {
      toSpill();
    }
    if (!keepSize && offset + size > length) {
      overlay.truncate(offset + size);
    }
    overlay.zero(offset, offset + size);
    length = overlay.length();
  }

  /**
   * close(2) on any descriptor. A file streamed from its start is handed to the write-behind
   * (its completion runs in the background, see {@link WriteBehind}); rewritten content is
   * written now.
   */
  synchronized void flush() throws IOException {
    flush(false);
  }

  private void flush(boolean lastDescriptor) throws IOException {
    if (mode == Mode.STREAM && length == 0 && attributes.isEmpty() && !lastDescriptor) {
      // close(2) of a duplicate before anything was written (a shell's "> file" opens, dup2s and
      // closes the original): completing now would make every later write a rewrite
      return;
    }
    if (mode == Mode.STREAM) {
      FileStatus shown = pendingStatus();
      writeBehind.submit(path, shown, detachStream());
    } else if (mode == Mode.SPILL && overlay.changed()) {
      writeBehind.await(path);
      written = fs.patch(path, inodeId(), overlay, this::readSpill, attributes);
      attributes = AttributeUpdate.NONE;
      // the cluster has it all now: the next write starts a new overlay on the new content
      closeReader();
      dropSpill();
      mode = Mode.IDLE;
      length = written.getLength();
    }
  }

  /**
   * Another descriptor opens the file while this one streams it: complete what was streamed so
   * far, so the new reader sees every byte written (read-your-writes across descriptors, as
   * {@code git index-pack} needs). Writes that follow take the copy-on-write path.
   */
  synchronized void settle() throws IOException {
    if (mode == Mode.STREAM) {
      completeStream();
    }
  }

  /**
   * Keeps an attribute change for the completion when this handle still has content to write;
   * false when it has none, and the caller applies the change itself.
   */
  synchronized boolean deferAttributes(UnaryOperator<AttributeUpdate> change) {
    if (mode == Mode.STREAM || (mode == Mode.SPILL && overlay.changed())) {
      attributes = change.apply(attributes);
      return true;
    }
    return false;
  }

  /**
   * The file as this handle would show it now, with its unwritten size and deferred attributes;
   * null when the cluster's view is current.
   */
  synchronized FileStatus pendingStatus() {
    if (mode == Mode.IDLE || (mode == Mode.SPILL && !overlay.changed())) {
      return null;
    }
    return ownStatus();
  }

  /**
   * The file as this descriptor knows it, whatever its name shows now: what fstat(2) reports once
   * another client renamed, replaced or removed it.
   */
  synchronized FileStatus ownStatus() {
    return attributes.appliedTo(opened.toBuilder().setLength(length).build());
  }

  /** The file as this handle's last completion left it in the cluster, once; else null. */
  synchronized FileStatus takeWritten() {
    FileStatus w = written;
    written = null;
    return w;
  }

  synchronized void release() throws IOException {
    try {
      flush(true);
    } finally {
      closeReader();
      dropSpill();
    }
  }

  /**
   * Another descriptor of this mount rewrote the file ({@code now} is it as written): what this
   * handle read of the old content is stale. Its reader goes, so its next read starts from the new
   * content (two SQLite connections of one database, each writing under its lock and fsyncing
   * before the other takes it, must see each other's pages). Changes of its own not yet written
   * stay on top of the new content: each writer's bytes are kept, the later one's where both wrote.
   */
  synchronized void rewrittenElsewhere(FileStatus now) throws IOException {
    closeReader();
    if (mode == Mode.IDLE || (mode == Mode.SPILL && !overlay.changed())) {
      dropSpill();
      mode = Mode.IDLE;
      length = now.getLength();
    }
  }

  /**
   * An attribute change of the file was applied in the cluster while this handle is open (a chmod
   * through another descriptor, or the kernel clearing setuid before an unprivileged write): what
   * the handle shows from now on starts from it.
   */
  synchronized void attributesApplied(FileStatus now) {
    if (now.getInodeId() == opened.getInodeId()) {
      opened = now;
    }
  }

  /** The file's inode id: what its locks are held on, whatever its name becomes. */
  synchronized long inodeId() {
    return opened.getInodeId();
  }

  String path() {
    return path;
  }

  void movedTo(String newPath) {
    path = newPath;
  }

  private void dropSpill() throws IOException {
    if (spill != null) {
      spill.close();
      Files.deleteIfExists(spillFile);
      spill = null;
    }
    overlay = null;
  }

  private void completeStream() throws IOException {
    written = detachStream().complete(false);
  }

  /**
   * Leaves the streaming mode and returns what completes the file: closing the stream with the
   * attribute changes kept so far, now ({@link #completeStream}) or, in the write-behind's
   * background lane, later.
   */
  private WriteBehind.Completion detachStream() {
    DfsOutputStream o = out;
    o.setAttributesOnClose(attributes); // now: what is added to the completion later goes on top
    out = null;
    mode = Mode.IDLE;
    attributes = AttributeUpdate.NONE;
    return new WriteBehind.Completion() {
      @Override
      public FileStatus complete(boolean inBackground) throws IOException {
        if (inBackground) {
          o.completeInBackground();
        }
        o.close();
        return o.completed();
      }

      @Override
      public boolean addToCompletion(UnaryOperator<AttributeUpdate> change, String destination) {
        return o.addToCompletion(change, destination);
      }
    };
  }

  /** Copy-on-write: writes go to a local sparse file on top of the file's content in the cluster. */
  private void toSpill() throws IOException {
    writeBehind.await(path);
    Files.createDirectories(spillDir);
    spillFile = Files.createTempFile(spillDir, "spill", ".tmp");
    spill = FileChannel.open(spillFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    overlay = new FileOverlay(length);
    mode = Mode.SPILL;
  }

  /** Bytes this handle wrote (the overlay asks only for ranges it wrote). */
  private void readSpill(long offset, byte[] buf, int off, int len) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(buf, off, len);
    while (b.hasRemaining()) {
      if (spill.read(b, offset + b.position() - off) < 0) {
        throw new IOException("the spill of " + path + " ends before " + (offset + len));
      }
    }
  }

  private CreateOptions options() {
    return CreateOptions.defaults().withReplication(opened.getReplication())
        .withBlockSize(opened.getBlockSize()).withMode(opened.getMode() & 07777);
  }

  private void closeReader() throws IOException {
    if (in != null) {
      in.close();
      in = null;
    }
  }
}
