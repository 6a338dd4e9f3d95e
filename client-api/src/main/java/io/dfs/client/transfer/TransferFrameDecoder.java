package io.dfs.client.transfer;

import io.dfs.proto.TransferHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/** Splits the byte stream into {@link TransferFrame}s (see datatransfer.proto for the layout). */
public final class TransferFrameDecoder extends LengthFieldBasedFrameDecoder {
  /** A packet carries at most a few MiB; anything bigger is a corrupt or hostile stream. */
  public static final int MAX_FRAME = 16 << 20;

  public TransferFrameDecoder() {
    super(MAX_FRAME, 0, 4, 0, 4);
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    ByteBuf frame = (ByteBuf) super.decode(ctx, in);
    if (frame == null) {
      return null;
    }
    try {
      int headerLength = frame.readInt();
      TransferHeader header;
      try (ByteBufInputStream headerIn = new ByteBufInputStream(frame.readSlice(headerLength))) {
        header = TransferHeader.parseFrom(headerIn);
      }
      if (!frame.isReadable()) {
        return TransferFrame.of(header);
      }
      return TransferFrame.of(header, frame.retainedSlice());
    } finally {
      frame.release();
    }
  }
}
