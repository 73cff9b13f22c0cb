package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.Transition;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the transitions other servers over the cluster make ({@link
 * StoreObserver#madeElsewhere}): a watch on the task records ({@code task/ID}) with each put's
 * previous value, from the revision this server started at, naming each change by {@link
 * Transition#between} the record before and after. A record whose version this server made is its
 * own write (published from its reply), and one whose version did not change is a heartbeat; both
 * are passed over, as are deletes (retention).
 *
 * <p>jetcd resumes a broken watch by itself from the last revision it delivered. When the watch
 * ends anyway it is started again after that revision; when that revision was compacted meanwhile,
 * from the current one, and a miss is reported ({@link StoreObserver#missedElsewhere}), as it is
 * for any other end this class cannot resume exactly. Nothing is decoded while nobody observes.
 */
final class ElsewhereWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ElsewhereWatch.class);

  private final Etcd etcd;
  private final Keys keys;
  private final int node;
  private final Supplier<StoreObserver> observer;
  private Watch.Watcher watcher;

  /** The revision of the last response delivered: the watch resumes after it. */
  private volatile long seen;

  /**
   * Which start the current watcher belongs to: callbacks of watchers stopped since are ignored.
   */
  private volatile long generation;

  private volatile boolean closed;

  /**
   * Set when the watch was started again after the last revision seen, cleared by its first
   * response: a resume that ends again before answering anything cannot resume exactly (however
   * jetcd reports why: a compaction has been seen to end a watch without a CompactedException), so
   * the next start is from now, with a miss.
   */
  private volatile boolean resuming;

  ElsewhereWatch(Etcd etcd, Keys keys, int node, Supplier<StoreObserver> observer) {
    this.etcd = etcd;
    this.keys = keys;
    this.node = node;
    this.observer = observer;
  }

  /** Starts watching from the current revision: this server's start. */
  void start() {
    String anyKey = Keys.text(keys.tokenKey());
    seen = etcd.range(anyKey, Keys.after(anyKey), 1, true, false).getHeader().getRevision();
    watchAfter(seen);
  }

  /** Watches the task records from after {@code revision}. */
  synchronized void watchAfter(long revision) {
    if (closed) {
      return;
    }
    WatchOption opt =
        WatchOption.builder()
            .isPrefix(true)
            .withNoDelete(true)
            .withPrevKV(true)
            .withRevision(revision + 1)
            .build();
    long gen = ++generation;
    watcher =
        etcd.client()
            .getWatchClient()
            .watch(
                Keys.bytes(taskPrefix()),
                opt,
                Watch.listener(
                    r -> onChanges(gen, r), t -> restart(gen, t), () -> restart(gen, null)));
  }

  private String taskPrefix() {
    return keys.root() + "task/";
  }

  private void onChanges(long gen, WatchResponse r) {
    if (gen != generation) {
      return;
    }
    StoreObserver o = observer.get();
    if (o != StoreObserver.NONE) {
      for (WatchEvent e : r.getEvents()) {
        if (e.getEventType() == WatchEvent.EventType.PUT) {
          report(o, e);
        }
      }
    }
    seen = Math.max(seen, r.getHeader().getRevision());
    resuming = false;
  }

  private void report(StoreObserver o, WatchEvent e) {
    Task after = Codec.task(e.getKeyValue().getValue());
    if (after.version().node() == node) {
      return;
    }
    KeyValue prev = e.getPrevKV();
    Task before = prev == null || prev.getValue().isEmpty() ? null : Codec.task(prev.getValue());
    Transition t = Transition.between(before, after);
    if (t != null) {
      o.madeElsewhere(t, after);
    }
  }

  /**
   * Watches again after the last revision seen, or from now (reporting a miss) when that was
   * compacted or a resume already failed before answering; retried every half second while etcd
   * does not answer. (A resume after a long quiet stretch that breaks again is taken for a miss
   * too: a needless reset of the subscribers, never a silent gap.)
   */
  private void restart(long gen, Throwable t) {
    Watch.Watcher ended;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      ended = detach();
    }
    closeOutsideLock(ended);
    boolean fromNow = t instanceof CompactedException || resuming;
    log.info(
        "etcd watch of other servers' transitions ended ({}); starting it again {}",
        t == null ? "completed" : t.toString(),
        fromNow ? "from now" : "after revision " + seen);
    resuming = !fromNow;
    Restarts.inBackground(
        "stoker-etcd-rewatch-elsewhere",
        () -> closed,
        fromNow ? this::startAfterMiss : () -> watchAfter(seen));
  }

  /**
   * Starts from now, then reports the miss: a subscriber reloads on the reset, so every change
   * after that must come through the new watch (reported first, a change between the miss and the
   * new watch would be lost without a word).
   */
  private void startAfterMiss() {
    start();
    observer.get().missedElsewhere();
  }

  /**
   * Ends this generation and hands over its watcher, to close without holding this object's lock:
   * jetcd calls {@link #restart} holding the watcher's lock, and closing the watcher takes that
   * lock (holding both the other way round deadlocked a store's close).
   */
  private Watch.Watcher detach() {
    generation++;
    Watch.Watcher ended = watcher;
    watcher = null;
    return ended;
  }

  private static void closeOutsideLock(Watch.Watcher w) {
    if (w != null) {
      w.close();
    }
  }

  @Override
  public void close() {
    Watch.Watcher ended;
    synchronized (this) {
      closed = true;
      ended = detach();
    }
    closeOutsideLock(ended);
  }
}
