package dev.stoker.server;

import dev.stoker.core.Task;
import dev.stoker.core.store.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The task transitions this server acknowledged, in the order it acknowledged them, for {@code GET
 * /v1/events} (docs/api.md#events, docs/adr/0007). Each event gets the next position of this
 * server's stream; the last {@link #capacity} events (fewer when their tasks are large) are kept,
 * so a subscriber may resume after any of them.
 *
 * <p>The kept events are the only buffer: subscribers read them by position at their own pace, and
 * a publisher never waits for a subscriber. A subscriber that falls so far behind that the events
 * it has not read were dropped is told so ({@link Read#reset()}) and goes on from the newest.
 */
final class ChangeFeed {
  static final int DEFAULT_CAPACITY = 10_000;

  /** The most characters of parameters, results and errors the kept events may hold together. */
  static final long DEFAULT_MAX_CHARS = 64L << 20;

  /**
   * The most events one {@link #read} returns, so a subscriber writes out what it read in bounded
   * steps.
   */
  static final int MAX_READ = 512;

  /**
   * One transition of a task: its position in the stream, what happened, and the task after it; or
   * a mark that transitions may be missing here ({@link #isReset()}).
   */
  static final class Event {
    final long position;

    /** Null in a reset mark. */
    final Transition transition;

    /** Null in a reset mark. */
    final Task task;

    final long chars;

    /** The task's JSON, written once by the first subscriber that sends it. */
    volatile byte[] data;

    Event(long position, Transition transition, Task task) {
      this.position = position;
      this.transition = transition;
      this.task = task;
      this.chars =
          task == null
              ? 0
              : task.paramsJson().length()
                  + length(task.resultJson())
                  + length(task.lastError())
                  + task.name().length();
    }

    /**
     * Whether this marks that transitions before it may be missing from the stream (another
     * server's, when the store lost track of them): every subscriber is told to reload.
     */
    boolean isReset() {
      return transition == null;
    }

    private static int length(String s) {
      return s == null ? 0 : s.length();
    }
  }

  /**
   * What a subscriber read: the events after its position, or {@code reset} when some of those were
   * dropped (it missed them), or {@code closed} when the server stops. {@code next} is the position
   * to read after next time.
   */
  record Read(List<Event> events, boolean reset, boolean closed, long next) {}

  private final String stream = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
  private final int capacity;
  private final long maxChars;
  private final Event[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition published = lock.newCondition();

  /** The position of the newest event; 0 before the first. */
  private long last;

  /** The position of the oldest event kept; {@code last + 1} when none is. */
  private long first = 1;

  private long chars;
  private boolean closed;

  /**
   * How many subscribers read now: the store tells other servers' transitions only while some do.
   */
  private final AtomicInteger subscribers = new AtomicInteger();

  ChangeFeed() {
    this(DEFAULT_CAPACITY, DEFAULT_MAX_CHARS);
  }

  ChangeFeed(int capacity, long maxChars) {
    this.capacity = capacity;
    this.maxChars = maxChars;
    this.ring = new Event[capacity];
  }

  /**
   * Names this server's stream in event ids, so an id from another server, or before a restart, is
   * told apart.
   */
  String stream() {
    return stream;
  }

  /** The event id of {@code position}: {@code <stream>-<position>}. */
  String id(long position) {
    return stream + "-" + position;
  }

  /**
   * The position a subscriber that sent {@code lastEventId} reads after: the id's own position when
   * it names a kept event of this stream (or the newest), else -1 (unknown, or already dropped).
   * Without an id, the newest position: a new subscriber sees what happens from now on.
   */
  long resumeAfter(String lastEventId) {
    lock.lock();
    try {
      if (lastEventId == null) {
        return last;
      }
      String prefix = stream + "-";
      if (!lastEventId.startsWith(prefix)) {
        return -1;
      }
      long position;
      try {
        position = Long.parseLong(lastEventId.substring(prefix.length()));
      } catch (NumberFormatException e) {
        return -1;
      }
      return position >= first - 1 && position <= last ? position : -1;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Appends a transition; drops the oldest events beyond the capacity. Never waits for subscribers.
   */
  void publish(Transition transition, Task task) {
    append(transition, task);
  }

  /**
   * Appends a mark that transitions may be missing before it (the store lost track of other
   * servers' transitions): subscribers that read it get {@code event: reset}, as a subscriber that
   * fell behind does.
   */
  void publishReset() {
    append(null, null);
  }

  private void append(Transition transition, Task task) {
    lock.lock();
    try {
      Event e = new Event(last + 1, transition, task);
      while (last - first + 1 >= capacity || (last >= first && chars + e.chars > maxChars)) {
        Event dropped = ring[slot(first)];
        ring[slot(first)] = null;
        chars -= dropped.chars;
        first++;
      }
      ring[slot(e.position)] = e;
      last = e.position;
      chars += e.chars;
      published.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The events after {@code after}, waiting up to {@code timeoutNanos} for one when there is none
   * yet.
   */
  Read read(long after, long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (!closed && after == last && nanos > 0) {
        nanos = published.awaitNanos(nanos);
      }
      if (closed) {
        return new Read(List.of(), false, true, after);
      }
      if (after < first - 1 || after > last) {
        return new Read(List.of(), true, false, last);
      }
      long upTo = Math.min(last, after + MAX_READ);
      List<Event> events = new ArrayList<>((int) (upTo - after));
      for (long p = after + 1; p <= upTo; p++) {
        events.add(ring[slot(p)]);
      }
      return new Read(events, false, false, upTo);
    } finally {
      lock.unlock();
    }
  }

  /** A subscriber starts reading; {@link #unsubscribed} when it stops. */
  void subscribed() {
    subscribers.incrementAndGet();
  }

  void unsubscribed() {
    subscribers.decrementAndGet();
  }

  /**
   * Whether anyone reads this feed now (the store reports other servers' transitions only then:
   * docs/adr/0008).
   */
  boolean hasSubscribers() {
    return subscribers.get() > 0;
  }

  /** Ends every subscription: their reads return {@code closed} at once. */
  void close() {
    lock.lock();
    try {
      closed = true;
      published.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private int slot(long position) {
    return (int) (position % capacity);
  }
}
