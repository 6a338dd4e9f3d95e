package io.dfs.metadata.server;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis' gRPC log appender, which also sends its snapshot to a follower that needs exactly the
 * first entry of the leader's log when the entry before it is gone: purged, and not the one the
 * snapshot ends at. Ratis sends a snapshot only to a follower that needs an entry before the
 * log's first; this one it tries to append to, cannot name the previous entry, and its appender
 * for that follower dies (NullPointerException "Previous TermIndex not found"), for good.
 *
 * <p>How it happens: a new leader starts a new log segment at its term's first entry; a
 * snapshot taken later (on stop, or the periodic one) purges the segments before it but not the
 * open one. The leader that was killed has everything up to the end of its term and needs just
 * that first entry: on a local cluster a killed leader never rejoined after a restart, and the
 * cluster ran on two peers without saying so. The snapshot covers the entry the follower needs, so
 * installing it is what Ratis does for any follower behind the log.
 */
final class PurgeGapLogAppender extends GrpcLogAppender {
  private static final Logger LOG = LoggerFactory.getLogger(PurgeGapLogAppender.class);

  PurgeGapLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
    super(server, leaderState, follower);
  }

  @Override
  public SnapshotInfo shouldInstallSnapshot() {
    SnapshotInfo ratisChoice = super.shouldInstallSnapshot();
    if (ratisChoice != null) {
      return ratisChoice;
    }
    RaftLog log = getRaftLog();
    long next = getFollower().getNextIndex();
    if (next <= RaftLog.LEAST_VALID_LOG_INDEX || next >= log.getNextIndex() || next != log.getStartIndex()
        || log.getTermIndex(next - 1) != null) {
      return null;
    }
    SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
    if (snapshot == null || snapshot.getIndex() < next) {
      return null; // the entry before would be the snapshot's: Ratis finds it there
    }
    LOG.info("{}: follower needs entry {}, the first in the log, whose predecessor was purged: sending the "
        + "snapshot at {}", this, next, snapshot.getTermIndex());
    return snapshot;
  }
}
