package io.dfs.client.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Writes a {@link TransferFrame} as a small prefix (lengths + header) followed by its data as is,
 * so packet data is never copied and file regions go out with sendfile.
 */
@ChannelHandler.Sharable
public final class TransferFrameEncoder extends ChannelOutboundHandlerAdapter {

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (!(msg instanceof TransferFrame frame)) {
      ctx.write(msg, promise);
      return;
    }
    int headerLength = frame.header().getSerializedSize();
    ByteBuf prefix = ctx.alloc().buffer(8 + headerLength);
    prefix.writeInt((int) (4 + headerLength + frame.dataLength()));
    prefix.writeInt(headerLength);
    try (ByteBufOutputStream out = new ByteBufOutputStream(prefix)) {
      frame.header().writeTo(out);
    }
    if (frame.data() == null) {
      ctx.write(prefix, promise);
    } else {
      ctx.write(prefix, ctx.voidPromise());
      ctx.write(frame.data(), promise);
    }
  }
}
