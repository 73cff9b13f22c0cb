package dev.stoker.store.postgres;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the other servers' {@link TransitionNotices} into {@link StoreObserver#madeElsewhere}
 * calls: reads the tasks they name back, on a thread of its own so that the {@link Listener} goes
 * on waking claims meanwhile, and reports a task only while it is still at the version the notice
 * names. Reports {@link StoreObserver#missedElsewhere} when notices may have been lost: the
 * listening connection was lost, a read back failed, or notices came faster than they were read
 * back ({@link #BACKLOG} payloads waiting). Nothing is read while nobody observes.
 */
final class Elsewhere implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Elsewhere.class);

  /** The most payloads waiting to be read back; beyond, they are dropped and a miss reported. */
  static final int BACKLOG = 1_024;

  /** The most payloads read back at once (one query for all their tasks). */
  static final int READ_TOGETHER = 64;

  private final int node;
  private final String ownHeader;
  private final Function<List<TaskId>, List<Task>> readBack;
  private final Supplier<StoreObserver> observer;
  private final BlockingQueue<String> payloads = new ArrayBlockingQueue<>(BACKLOG);
  private final Thread thread;
  private volatile boolean missed;

  /**
   * @param node this server's node id: notices of its own transactions are ignored
   * @param readBack the tasks of these ids as they are now (absent when gone)
   */
  Elsewhere(
      int node, Function<List<TaskId>, List<Task>> readBack, Supplier<StoreObserver> observer) {
    this.node = node;
    this.ownHeader = TransitionNotices.header(node) + " ";
    this.readBack = readBack;
    this.observer = observer;
    this.thread = new Thread(this, "stoker-pg-elsewhere");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** A payload from the listening connection (called on its thread: never blocks). */
  void notice(String payload) {
    // this server's own notices are the most frequent: dropped here, unparsed
    if (observer.get() == StoreObserver.NONE || payload.startsWith(ownHeader)) {
      return;
    }
    if (!payloads.offer(payload)) {
      missed = true;
    }
  }

  /** The listening connection was lost: notices sent meanwhile are gone. */
  void lost() {
    missed = true;
    payloads.offer(""); // wakes the thread, to report the miss now
  }

  @Override
  public void run() {
    try {
      List<String> batch = new ArrayList<>();
      while (true) {
        batch.add(payloads.take());
        payloads.drainTo(batch, READ_TOGETHER - 1);
        if (missed) {
          missed = false;
          observer.get().missedElsewhere();
        }
        deliver(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      // stopped
    }
  }

  /** Reads back the tasks of other servers' payloads, in one read, and reports them in order. */
  private void deliver(List<String> batch) {
    List<TransitionNotices.Parsed> others = new ArrayList<>(batch.size());
    List<TaskId> ids = new ArrayList<>();
    for (String payload : batch) {
      if (payload.isEmpty()) {
        continue; // the wake-up of lost()
      }
      try {
        TransitionNotices.Parsed p = TransitionNotices.parse(payload);
        // this server published its own transitions from its replies
        if (p.node() != node) {
          others.add(p);
          p.notices().forEach(n -> ids.add(n.id()));
        }
      } catch (RuntimeException e) {
        log.warn("ignored a notification that is not Stoker's: {}", e.getMessage());
      }
    }
    if (ids.isEmpty()) {
      return;
    }
    Map<TaskId, Task> now = new HashMap<>();
    try {
      readBack.apply(ids).forEach(t -> now.put(t.id(), t));
    } catch (StoreUnavailableException e) {
      observer.get().missedElsewhere();
      return;
    }
    StoreObserver o = observer.get();
    for (TransitionNotices.Parsed p : others) {
      for (TransitionNotices.Notice n : p.notices()) {
        Task t = now.get(n.id());
        if (t != null && t.version().hlc() == n.hlc() && t.version().node() == p.node()) {
          o.madeElsewhere(n.transition(), t);
        }
      }
    }
  }

  void stop() {
    thread.interrupt();
  }
}
