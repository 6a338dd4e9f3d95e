package io.dfs.client.transfer;

import io.dfs.proto.TransferHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;

/**
 * One frame of the block transfer protocol: a header and, for packets, raw data that never goes
 * through Protobuf. The data is a {@link ByteBuf} or, for zero-copy reads from disk, a
 * {@link FileRegion}. Owns one reference to the data.
 */
public record TransferFrame(TransferHeader header, Object data, long dataLength) {

  public static TransferFrame of(TransferHeader header) {
    return new TransferFrame(header, null, 0);
  }

  public static TransferFrame of(TransferHeader header, ByteBuf data) {
    return new TransferFrame(header, data, data.readableBytes());
  }

  public static TransferFrame of(TransferHeader header, FileRegion data) {
    return new TransferFrame(header, data, data.count());
  }

  public ByteBuf buffer() {
    return (ByteBuf) data;
  }

  public void release() {
    if (data instanceof ReferenceCounted) {
      ReferenceCountUtil.release(data);
    }
  }
}
