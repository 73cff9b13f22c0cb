package dev.stoker.store.embedded;

import dev.stoker.cluster.Event;
import dev.stoker.cluster.EventLog;
import dev.stoker.cluster.VersionVector;
import java.util.List;

/**
 * The embedded store's face to the cluster's replication in cluster mode ({@link
 * EmbeddedStore#openCluster}): this node's copy of every origin's log, served to peers; received
 * events, applied by the merge in the store's write rounds; and the dispatch rights the store
 * obeys.
 *
 * <p>{@link #vector} and {@link #read} show only what may leave the node: this node's own events
 * once synced, others' once written.
 */
public final class Replication implements EventLog {
  private final ClusterLog log;
  private final Sequencer sequencer;

  Replication(ClusterLog log, Sequencer sequencer) {
    this.log = log;
    this.sequencer = sequencer;
  }

  public int node() {
    return log.self();
  }

  /** Larger at every start of this node (a counter in the store, synced at open). */
  public long incarnation() {
    return log.incarnation();
  }

  /**
   * Applies {@code events} from a peer in one write round, by the merge rule; returns once they are
   * written (their sync may lag: a lost tail is pulled again). Returns how many were new.
   */
  public int receive(List<Event> events) {
    if (events.isEmpty()) {
      return 0;
    }
    return sequencer.submit(new Sequencer.Written<>((ops, b) -> ops.receive(b, events)));
  }

  /** Stores one event if new: see {@link #receive}. */
  @Override
  public boolean add(Event e) {
    return receive(List.of(e)) > 0;
  }

  @Override
  public long highWater(int origin) {
    return log.vector().get(origin);
  }

  @Override
  public VersionVector vector() {
    return log.vector();
  }

  @Override
  public List<Event> read(int origin, long after, long upTo, int max) {
    long limit = Math.min(upTo, log.vector().get(origin));
    return limit <= after ? List.of() : log.read(origin, after, limit, max);
  }

  /** Replaces the dispatch rights, for good, and has the store look again at what they change. */
  public void rights(DispatchRights rights) {
    log.rightsLapse = false;
    replace(rights);
  }

  /**
   * Replaces the dispatch rights, good for {@code validMs} unless renewed ({@link
   * #rightsValidFor}), and has the store look again at what they change.
   */
  public void rights(DispatchRights rights, long validMs) {
    log.rights = rights;
    rightsValidFor(validMs);
    replace(rights);
  }

  private void replace(DispatchRights rights) {
    log.rights = rights;
    sequencer.submit(
        (ops, b) -> {
          ops.rightsChanged(b);
          return null;
        });
  }

  /**
   * Keeps the dispatch rights good for {@code ms} more: the cluster side renews them with every
   * refresh, and a node whose refreshes stopped (a stopped process) hands out and judges nothing by
   * them once they lapse, until they are renewed.
   */
  public void rightsValidFor(long ms) {
    log.rightsValidUntil = System.nanoTime() + ms * 1_000_000;
    log.rightsLapse = true;
  }

  /** Whether the dispatch rights are still good (see {@link #rightsValidFor}). */
  public boolean rightsValid() {
    return log.rightsValid();
  }

  /** Called on the syncer thread after new own events were synced; must not block. */
  public void onSynced(Runnable listener) {
    log.onSynced = listener;
  }

  /**
   * The largest seq of this node's own log a peer said it holds beyond what this node holds, 0 if
   * none: the data directory lost events the cluster has (started empty, or from an old copy).
   */
  public long behindPeers() {
    return log.behind() ? log.behindPeer() : 0;
  }

  /**
   * Takes this node's own events back from its peers (a rejoin on a lost data directory): they are
   * applied like any other origin's, and the node numbers its next events after them. The caller
   * serves nothing until {@link #behindPeers} is 0.
   */
  public void rejoin(boolean on) {
    log.rejoining = on;
  }

  /**
   * How many duplicates of each cause this node counted since it started
   * (docs/backends/cluster.md).
   */
  public java.util.Map<dev.stoker.cluster.Duplicates.Cause, Long> duplicates() {
    return log.duplicates();
  }

  /**
   * What a second claim of one of this node's tasks, found from now on, is put down to: a partition
   * (b), this node's own pause (c), or its crash before it pushed the claim (d).
   */
  public void stolenBecause(dev.stoker.cluster.Duplicates.Cause cause) {
    log.stolenBecause = cause;
  }

  /**
   * Per home node, how many tasks of {@code queue} are ready in this replica, counted among the
   * first {@code cap} entries of the queue's ready index (so at most {@code cap} in all): what a
   * node that has nothing to hand out forwards a claim by.
   */
  public java.util.Map<Integer, Long> readyByHome(String queue, int cap) {
    try {
      return log.readyByHome(queue, cap);
    } catch (org.rocksdb.RocksDBException e) {
      throw new dev.stoker.core.store.StoreUnavailableException(
          "read failed: " + e.getMessage(), e);
    }
  }

  /** Records that a peer holds this node's events up to {@code seq}. */
  public void peerHolds(long seq) {
    log.noteBehind(seq);
  }
}
