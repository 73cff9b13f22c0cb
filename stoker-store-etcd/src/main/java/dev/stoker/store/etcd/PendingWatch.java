package dev.stoker.store.etcd;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the ready keys of every queue and the queues' settings, from the revision this server
 * last read, so that a waiting claim wakes when any server makes a task claimable or resumes a
 * queue, and so that the claim floors know of ready keys written below them. The watch is only a
 * wake-up: claims look again every second anyway and recovery scans, because a watch cannot resume
 * across a compaction and may miss a delete near one. When jetcd gives up on it (compacted, no
 * leader), it is started again from the current revision, and every waiter is woken and every floor
 * reset, since events may be lost.
 */
final class PendingWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PendingWatch.class);

  private final Etcd etcd;
  private final Keys keys;
  private final Floors floors;
  private final Waiters waiters;
  private Watch.Watcher ready;
  private Watch.Watcher queues;

  /**
   * Which start the current watchers belong to: callbacks of watchers stopped since are ignored.
   */
  private long generation;

  private volatile boolean closed;

  PendingWatch(Etcd etcd, Keys keys, Floors floors, Waiters waiters) {
    this.etcd = etcd;
    this.keys = keys;
    this.floors = floors;
    this.waiters = waiters;
  }

  synchronized void start() {
    if (closed) {
      return;
    }
    String anyKey = Keys.text(keys.tokenKey());
    long revision =
        etcd.range(anyKey, Keys.after(anyKey), 1, true, false).getHeader().getRevision();
    Watch w = etcd.client().getWatchClient();
    WatchOption opt =
        WatchOption.builder().isPrefix(true).withNoDelete(true).withRevision(revision + 1).build();
    long gen = ++generation;
    ready =
        w.watch(
            Keys.bytes(keys.readyRoot()),
            opt,
            Watch.listener(this::onReady, t -> restart(gen, t), () -> restart(gen, null)));
    queues =
        w.watch(
            Keys.bytes(keys.queuePrefix()),
            opt,
            Watch.listener(this::onQueue, t -> restart(gen, t), () -> restart(gen, null)));
    // Anything written before the watch began is found by the claims' own reads.
    floors.resetAll();
    waiters.wakeAll();
  }

  private void onReady(WatchResponse r) {
    int skip = keys.readyRoot().length();
    for (WatchEvent e : r.getEvents()) {
      String key = Keys.text(e.getKeyValue().getKey());
      int slash = key.indexOf('/', skip);
      if (slash > skip) {
        String queue = key.substring(skip, slash);
        floors.lower(queue, key);
        waiters.wake(queue);
      }
    }
  }

  private void onQueue(WatchResponse r) {
    for (WatchEvent e : r.getEvents()) {
      waiters.wake(Keys.text(e.getKeyValue().getKey()).substring(keys.queuePrefix().length()));
    }
  }

  /**
   * Starts the watch again from the current revision, unless it was stopped since {@code gen}
   * began. jetcd resumes a watch by itself after a transient error; this covers the ends it does
   * not resume (compaction, no leader), at the price of sometimes restarting one that would have
   * resumed.
   */
  private void restart(long gen, Throwable t) {
    List<Watch.Watcher> ended;
    synchronized (this) {
      if (closed || gen != generation) {
        return;
      }
      ended = detach();
    }
    ended.forEach(Watch.Watcher::close);
    log.info("etcd watch ended ({}); starting it again", t == null ? "completed" : t.getMessage());
    Restarts.inBackground("stoker-etcd-rewatch", () -> closed, this::start);
  }

  /**
   * Ends this generation and hands over its watchers, to close without holding this object's lock:
   * jetcd calls {@link #restart} holding a watcher's lock, and closing a watcher takes that lock.
   */
  private List<Watch.Watcher> detach() {
    generation++;
    List<Watch.Watcher> ended = new ArrayList<>(2);
    if (ready != null) {
      ended.add(ready);
    }
    if (queues != null) {
      ended.add(queues);
    }
    ready = null;
    queues = null;
    return ended;
  }

  @Override
  public void close() {
    List<Watch.Watcher> ended;
    synchronized (this) {
      closed = true;
      ended = detach();
    }
    ended.forEach(Watch.Watcher::close);
  }
}
