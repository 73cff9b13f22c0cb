package dev.stoker.store.embedded;

import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second stage of group commit. The sequencer writes each round to the WAL without syncing and
 * moves on to the next round at once; it hands the round's answers here. This thread syncs the WAL
 * once for every round that has come in meanwhile and only then gives their answers. The WAL is one
 * ordered log, so a sync makes every earlier write durable: nothing is answered before it, and
 * anything read from it, is on disk. Syncing and applying overlap instead of taking turns.
 */
final class Syncer implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Syncer.class);

  /** One round's answers; {@code wrote} says whether the round added anything to the WAL. */
  record Round(boolean wrote, Runnable answers, Consumer<StoreUnavailableException> refuse) {}

  /**
   * TEST ONLY, never for use: {@code -Dstoker.test.ack-before-sync=true} answers every round at
   * once and syncs the WAL at most every {@link #UNSAFE_SYNC_INTERVAL_NS} (as a periodic fsync
   * does, NATS JetStream's default): the bug of acknowledging writes that a power cut can take
   * back. It exists as the negative control of {@code stoker verify --faults power}, which must
   * report those writes lost (docs/reliability.md). A constant, so the check costs nothing when
   * off.
   */
  private static final boolean ACK_BEFORE_SYNC = Boolean.getBoolean("stoker.test.ack-before-sync");

  private static final long UNSAFE_SYNC_INTERVAL_NS = 1_000_000_000L;

  private static final Round STOP = new Round(false, () -> {}, e -> {});

  private final Storage storage;
  private final Consumer<Throwable> onFailure;
  private final LinkedBlockingQueue<Round> rounds = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile Throwable failure;
  private volatile StoreObserver observer = StoreObserver.NONE;

  /**
   * Under {@link #ACK_BEFORE_SYNC} only: answered writes not synced yet, and when the WAL was last
   * synced.
   */
  private boolean unsynced;

  private long lastSyncNs;

  Syncer(Storage storage, Consumer<Throwable> onFailure) {
    this.storage = storage;
    this.onFailure = onFailure;
    this.thread = new Thread(this, "stoker-syncer");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Reports each sync's duration, and the rounds' transitions (the sequencer's), to {@code
   * observer}.
   */
  void observe(StoreObserver observer) {
    this.observer = observer;
  }

  StoreObserver observer() {
    return observer;
  }

  /** Answers the round once everything written so far is durable. */
  void after(Round round) {
    Throwable f = failure;
    if (f != null) {
      round
          .refuse()
          .accept(new StoreUnavailableException("syncing the store failed: " + f.getMessage(), f));
      return;
    }
    rounds.add(round);
  }

  /** Answers every round handed over so far, then stops. */
  void stop() {
    rounds.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void run() {
    List<Round> group = new ArrayList<>();
    while (true) {
      group.clear();
      try {
        group.add(rounds.take());
      } catch (InterruptedException e) {
        continue;
      }
      rounds.drainTo(group);
      boolean stop = group.remove(STOP);
      boolean wrote = group.stream().anyMatch(Round::wrote);
      if (ACK_BEFORE_SYNC) {
        answer(group);
        group.clear();
        unsynced |= wrote;
        if (!stop && System.nanoTime() - lastSyncNs < UNSAFE_SYNC_INTERVAL_NS) {
          continue;
        }
        wrote = unsynced;
        unsynced = false;
        lastSyncNs = System.nanoTime();
      }
      try {
        if (failure == null && wrote) {
          long start = System.nanoTime();
          storage.db.syncWal();
          observer.synced(System.nanoTime() - start);
        }
      } catch (RocksDBException | RuntimeException e) {
        log.error("syncing the WAL failed; refusing further writes until restart", e);
        failure = e;
        onFailure.accept(e);
      }
      answer(group);
      if (stop) {
        return;
      }
    }
  }

  private void answer(List<Round> group) {
    Throwable f = failure;
    for (Round r : group) {
      if (f == null) {
        r.answers().run();
      } else {
        r.refuse()
            .accept(
                new StoreUnavailableException("syncing the store failed: " + f.getMessage(), f));
      }
    }
  }
}
