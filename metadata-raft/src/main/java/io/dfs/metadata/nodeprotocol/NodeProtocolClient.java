package io.dfs.metadata.nodeprotocol;

import io.dfs.client.config.ClusterConfig;
import io.dfs.client.config.PeerAddress;
import io.dfs.client.error.DfsException;
import io.dfs.proto.BadBlockReportRequest;
import io.dfs.proto.BlockReceivedRequest;
import io.dfs.proto.BlockReportRequest;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.HeartbeatRequest;
import io.dfs.proto.HeartbeatResponse;
import io.dfs.proto.MetaRequest;
import io.dfs.proto.MetaResponse;
import io.dfs.proto.NodeInfo;
import io.dfs.proto.RegisterNodeRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * A storage node's connection to the metadata leader's node-protocol port. Blocking, one request
 * at a time (the node's heartbeat thread is its only caller besides corrupt-replica reports),
 * over one long-lived socket; it follows the leader by the NOT_LEADER hints followers answer with
 * and tries the next peer when one cannot be reached.
 */
public final class NodeProtocolClient implements AutoCloseable {
  static final int CONNECT_TIMEOUT_MS = 3_000;
  static final int READ_TIMEOUT_MS = 30_000;

  private final List<PeerAddress> peers;
  private int current;
  private Socket socket;
  private DataInputStream in;
  private DataOutputStream out;

  public NodeProtocolClient(ClusterConfig config) {
    this.peers = config.metadataPeers().stream().map(p -> config.nodeProtocolAddress(p.id())).toList();
  }

  public synchronized void register(NodeInfo node) throws IOException {
    call(MetaRequest.newBuilder().setRegisterNode(RegisterNodeRequest.newBuilder().setNode(node)).build());
  }

  public synchronized HeartbeatResponse heartbeat(NodeInfo node) throws IOException {
    return call(MetaRequest.newBuilder().setHeartbeat(HeartbeatRequest.newBuilder().setNode(node)).build())
        .getHeartbeat();
  }

  public synchronized void blockReport(BlockReportRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBlockReport(r).build());
  }

  public synchronized void blockReceived(BlockReceivedRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBlockReceived(r).build());
  }

  public synchronized void reportBadBlock(BadBlockReportRequest r) throws IOException {
    call(MetaRequest.newBuilder().setBadBlock(r).build());
  }

  /** Sends to the leader, following at most one round of redirects and unreachable peers. */
  private MetaResponse call(MetaRequest request) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 2 * peers.size(); attempt++) {
      try {
        MetaResponse response = exchange(request);
        if (response.hasError() && response.getError().getCode() == ErrorCode.NOT_LEADER) {
          follow(response.getError().getMessage());
          last = new IOException("metadata peer " + peers.get(current).id() + " is not the leader");
          continue;
        }
        if (response.hasError() && response.getError().getCode() != ErrorCode.OK) {
          throw DfsException.from(response.getError());
        }
        return response;
      } catch (DfsException e) {
        throw e;
      } catch (IOException e) {
        disconnect();
        current = (current + 1) % peers.size();
        last = e;
      }
    }
    throw new IOException("no metadata leader reachable for the node protocol", last);
  }

  private MetaResponse exchange(MetaRequest request) throws IOException {
    if (socket == null) {
      PeerAddress p = peers.get(current);
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress(p.host(), p.port()), CONNECT_TIMEOUT_MS);
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
      } catch (IOException e) {
        s.close();
        throw e;
      }
      socket = s;
      in = new DataInputStream(s.getInputStream());
      out = new DataOutputStream(s.getOutputStream());
    }
    byte[] bytes = request.toByteArray();
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
    byte[] reply = new byte[in.readInt()];
    in.readFully(reply);
    return MetaResponse.parseFrom(reply);
  }

  /** Moves to the leader a follower named; with no name, to the next peer. */
  private void follow(String leaderId) {
    disconnect();
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).id().equals(leaderId)) {
        current = i;
        return;
      }
    }
    current = (current + 1) % peers.size();
  }

  private void disconnect() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a broken socket
      }
      socket = null;
    }
  }

  @Override
  public synchronized void close() {
    disconnect();
  }
}
