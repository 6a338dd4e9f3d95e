package io.dfs.metadata.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.proto.ClientCall;
import io.dfs.proto.ErrorCode;
import io.dfs.proto.FileStatus;
import io.dfs.proto.MetaResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ClientSessionsTest {
  private static ClientCall call(String client, long id, long answeredBelow) {
    return ClientCall.newBuilder().setClientId(client).setCallId(id).setAnsweredBelow(answeredBelow).build();
  }

  private static MetaResponse answer(String path) {
    return MetaResponse.newBuilder().setStatus(FileStatus.newBuilder().setPath(path)).build();
  }

  @Test
  void aRetriedCallGetsItsFirstResponseAndAnotherClientsSameIdDoesNot() {
    ClientSessions sessions = new ClientSessions();
    assertThat(sessions.replayed(call("a", 1, 1), 1000)).isNull();
    sessions.record(call("a", 1, 1), answer("/x"));

    assertThat(sessions.replayed(call("a", 1, 1), 2000)).isEqualTo(answer("/x"));
    assertThat(sessions.replayed(call("b", 1, 1), 2000)).isNull();
    assertThat(sessions.replayed(call("a", 2, 1), 2000)).isNull();
  }

  @Test
  void answeredCallsAreDroppedAndAStrayCopyOfOneIsRefused() {
    ClientSessions sessions = new ClientSessions();
    for (long id = 1; id <= 3; id++) {
      assertThat(sessions.replayed(call("a", id, 1), 1000)).isNull();
      sessions.record(call("a", id, 1), answer("/f" + id));
    }
    assertThat(sessions.counts()).containsExactly(1, 3);

    // the client's next call says 1 and 2 were answered: only 3's response is kept
    assertThat(sessions.replayed(call("a", 4, 3), 1000)).isNull();
    sessions.record(call("a", 4, 3), answer("/f4"));
    assertThat(sessions.counts()).containsExactly(1, 2);
    assertThat(sessions.replayed(call("a", 3, 1), 1000)).isEqualTo(answer("/f3"));

    MetaResponse stray = sessions.replayed(call("a", 2, 1), 1000);
    assertThat(stray.getError().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void aSilentClientIsForgottenAfterTheExpiry() {
    ClientSessions sessions = new ClientSessions();
    sessions.replayed(call("gone", 1, 1), 100_000);
    sessions.record(call("gone", 1, 1), answer("/g"));
    sessions.replayed(call("busy", 1, 1), 100_000 + ClientSessions.EXPIRY_MS);
    assertThat(sessions.counts()[0]).isEqualTo(2);

    sessions.replayed(call("busy", 2, 1), 100_000 + ClientSessions.EXPIRY_MS + 61_000);
    assertThat(sessions.counts()[0]).isEqualTo(1);
    assertThat(sessions.replayed(call("gone", 1, 1), 100_000 + ClientSessions.EXPIRY_MS + 62_000)).isNull();
  }

  @Test
  void sessionsSurviveTheImage() throws Exception {
    Namespace ns = new Namespace();
    ns.mkdir("/d", false, 0755, "u", "g", 1000);
    ns.sessions().replayed(call("a", 7, 5), 1000);
    ns.sessions().record(call("a", 7, 5), answer("/d"));

    ByteArrayOutputStream image = new ByteArrayOutputStream();
    NamespaceImage.write(ns, image);
    Namespace loaded = NamespaceImage.read(new ByteArrayInputStream(image.toByteArray()));

    assertThat(NamespaceImage.digest(loaded)).isEqualTo(NamespaceImage.digest(ns));
    assertThat(loaded.sessions().replayed(call("a", 7, 5), 2000)).isEqualTo(answer("/d"));
  }
}
