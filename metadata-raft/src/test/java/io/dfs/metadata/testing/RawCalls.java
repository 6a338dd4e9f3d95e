package io.dfs.metadata.testing;

import io.dfs.client.config.PeerAddress;
import io.dfs.proto.CallReply;
import io.dfs.proto.ClientCall;
import io.dfs.proto.MetaResponse;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;

/**
 * A bare connection to one peer's RPC port that sends exactly the frames a test builds: the same
 * call twice, a stale copy, a call id of the test's choosing. One call at a time.
 */
public final class RawCalls implements AutoCloseable {
  private final io.dfs.client.tls.ClusterTls.Connection connection;
  private final DataInputStream in;
  private final DataOutputStream out;

  /** Connects as the cluster's client identity (through TLS when the cluster uses it). */
  public RawCalls(MetadataTestCluster cluster, String peerId) throws IOException {
    PeerAddress rpc = cluster.config().rpcAddress(peerId);
    Socket socket = new Socket(rpc.host(), rpc.port());
    socket.setSoTimeout(30_000);
    this.connection = cluster.tls(new io.dfs.client.tls.ServiceIdentity(io.dfs.client.tls.ClusterTls.DEFAULT_CLIENT_IDENTITY,
        io.dfs.client.tls.ServiceIdentity.Role.CLIENT)).secure(socket, rpc.host(), rpc.port());
    this.in = new DataInputStream(connection.in());
    this.out = new DataOutputStream(connection.out());
  }

  public MetaResponse call(ClientCall call) throws IOException {
    byte[] bytes = call.toByteArray();
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
    byte[] reply = new byte[in.readInt()];
    in.readFully(reply);
    CallReply r = CallReply.parseFrom(reply);
    if (r.getCallId() != call.getCallId()) {
      throw new IOException("reply to call " + r.getCallId() + ", sent " + call.getCallId());
    }
    return r.getResponse();
  }

  /**
   * Sends the call until the peer stops answering NOT_LEADER (a new leader not ready yet answers so
   * for a moment), as a client would: each attempt is the same call.
   */
  public MetaResponse callWhileNotReady(ClientCall call) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      MetaResponse r = call(call);
      if (r.getError().getCode() != io.dfs.proto.ErrorCode.NOT_LEADER || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws IOException {
    connection.close();
  }
}
