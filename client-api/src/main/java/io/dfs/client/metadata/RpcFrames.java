package io.dfs.client.metadata;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.io.IOException;

/**
 * The framing of a metadata peer's RPC port, for both ends: a 4-byte length, then one Protobuf
 * message ({@link io.dfs.proto.ClientCall} in, {@link io.dfs.proto.CallReply} out).
 */
public final class RpcFrames {
  /** A full block report of a million replicas fits. */
  public static final int MAX_FRAME = 64 << 20;

  private RpcFrames() {}

  /** Adds the length framing to a channel's pipeline; handlers after it see one frame per message. */
  public static void install(ChannelPipeline pipeline) {
    pipeline.addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4)).addLast(new LengthFieldPrepender(4));
  }

  public static ByteBuf encode(MessageLite message) {
    return Unpooled.wrappedBuffer(message.toByteArray());
  }

  public static <T> T decode(ByteBuf frame, Parser<T> parser) throws IOException {
    return parser.parseFrom(new ByteBufInputStream(frame));
  }
}
