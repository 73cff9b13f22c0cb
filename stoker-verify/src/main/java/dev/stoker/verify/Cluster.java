package dev.stoker.verify;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * The system under test as the fault injector sees it: some server processes on loopback, each with
 * a URL, that can be killed and restarted, paused and resumed. Each backend (embedded, PostgreSQL,
 * etcd, the AP cluster) provides one; a backend that also runs its own database or consensus
 * members keeps them behind this interface.
 */
interface Cluster extends AutoCloseable {
  /**
   * Starts every process on empty data, whatever an earlier run left behind (a run repeated with
   * its seed must not find the first run's tasks), and waits until each serves.
   */
  void start() throws IOException, InterruptedException;

  /** Where the servers keep their data, and that it started empty: for the run's output. */
  String data();

  /** The base URL of each Stoker server, by node index. */
  List<String> urls();

  /**
   * Whether each node keeps a replica of its own (the AP cluster), so that the drain waits until
   * every node holds every event and the final read reads every node; servers over one shared store
   * need not.
   */
  default boolean replicated() {
    return false;
  }

  /** SIGKILL to node {@code i}. */
  void kill(int i) throws IOException, InterruptedException;

  /** Starts node {@code i} again on its port and data, and waits until it serves. */
  void restart(int i) throws IOException, InterruptedException;

  /**
   * SIGKILL to node {@code i}, then the loss of every write it had not made durable, as in a power
   * cut ({@link Fault#POWER}); {@code tear} keeps a random prefix of unsynced appends (a torn
   * tail). Restart it with {@link #restart(int)}.
   *
   * @return what was lost, in words, for the history
   */
  default String powerCut(int i, boolean tear) throws IOException, InterruptedException {
    throw new UnsupportedOperationException("this backend's nodes keep no data of their own");
  }

  /**
   * Starts node {@code i} again (after a {@link #kill(int)}) with its clock offset by {@code
   * clockOffsetMs} ({@link Fault#SKEW}); {@link #restart(int)} starts it with the true clock again.
   */
  default void restartSkewed(int i, long clockOffsetMs) throws IOException, InterruptedException {
    throw new UnsupportedOperationException(
        "this backend's nodes have no clock of their own to skew");
  }

  /**
   * Cuts every link between the nodes of {@code side} and the other nodes, both ways ({@link
   * Fault#PARTITION}); clients still reach every node.
   */
  default void partition(Collection<Integer> side) {
    throw new UnsupportedOperationException("this backend's nodes have no links between them");
  }

  /** Heals every link cut by {@link #partition(Collection)}. */
  default void heal() {
    throw new UnsupportedOperationException("this backend's nodes have no links between them");
  }

  /** SIGSTOP to node {@code i}. */
  void pause(int i) throws IOException, InterruptedException;

  /** SIGCONT to node {@code i}. */
  void resume(int i) throws IOException, InterruptedException;

  /** SIGKILL to the backend's database, for a backend that has one ({@link Fault#DB_KILL}). */
  default void killDatabase() {
    throw new UnsupportedOperationException("this backend has no database of its own");
  }

  /** Starts the database again on its port and data, and waits until it accepts connections. */
  default void restartDatabase() {
    throw new UnsupportedOperationException("this backend has no database of its own");
  }

  /** Stops everything; a node that is down or paused is dealt with too. */
  @Override
  void close() throws InterruptedException;
}
