package io.dfs.metadata.rpc;

import io.dfs.client.tls.ServiceIdentity;
import io.dfs.client.tls.ServiceIdentity.Role;
import io.dfs.proto.MetaRequest;
import java.util.Optional;

/**
 * What the identity a connection proved with its certificate may call: a storage node speaks the
 * node protocol only under its own id (so no one can register as another node and draw its
 * writes), lease recovery's completions come only from a metadata peer (they name a block's final
 * length), and nodes make no namespace calls. Without TLS there are no identities and every call
 * is let through: the cluster then trusts its network.
 */
final class CallerCheck {
  private CallerCheck() {}

  /** Why {@code caller} may not make this call, or empty when it may. */
  static Optional<String> refusal(MetaRequest request, ServiceIdentity caller) {
    MetaRequest.OpCase op = request.getOpCase();
    if (op == MetaRequest.OpCase.BATCH) {
      for (MetaRequest r : request.getBatch().getRequestsList()) {
        Optional<String> refused = refusal(r, caller);
        if (refused.isPresent()) {
          return refused;
        }
      }
      return Optional.empty();
    }
    return switch (op) {
      case REGISTER_NODE -> asNode(caller, request.getRegisterNode().getNode().getNodeId());
      case HEARTBEAT -> asNode(caller, request.getHeartbeat().getNode().getNodeId());
      case BLOCK_REPORT -> asNode(caller, request.getBlockReport().getNodeId());
      case BLOCK_RECEIVED -> asNode(caller, request.getBlockReceived().getNodeId());
      // a reader that found a corrupt replica reports it, as a node's scanner does
      case BAD_BLOCK -> Optional.empty();
      case RECOVER_LEASE -> caller.role() == Role.PEER ? Optional.empty()
          : Optional.of(caller.name() + " is not a metadata peer: only lease recovery completes another's file");
      case REAP_UNLINKED -> caller.role() == Role.PEER ? Optional.empty()
          : Optional.of(caller.name() + " is not a metadata peer: only the leader reaps unlinked files");
      default -> switch (caller.role()) {
        case NODE -> Optional.of("storage node " + caller.name() + " makes no namespace calls (" + op + ")");
        case WEB -> Optional.of(caller.name() + "'s certificate is a web server's: it makes no calls");
        default -> Optional.empty();
      };
    };
  }

  private static Optional<String> asNode(ServiceIdentity caller, String nodeId) {
    if (caller.role() != Role.NODE) {
      return Optional.of(caller.name() + " is not a storage node");
    }
    return caller.name().equals(nodeId) ? Optional.empty()
        : Optional.of("storage node " + caller.name() + " cannot speak for node " + nodeId);
  }
}
