package dev.stoker.testkit;

import dev.stoker.core.Clock;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.PageBuilder;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskChange;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The reference {@link TaskStore}: everything in memory behind one lock, every rule taken straight
 * from {@link Transitions}, no indexes and no cleverness. It is what the conformance suite is
 * checked against and what fuzzers compare real backends with, so it favours being obviously right
 * over being fast: every operation first "sweeps" the whole store as of the clock's now, and every
 * claim sorts.
 *
 * <p>Like every store it trusts the port: input is validated before it gets here (the server's
 * {@link dev.stoker.core.Limits} checks), and the model checks none of it again, so that a fuzzer
 * running the server over the model cannot have the model's checks hide a gap in the server's.
 *
 * <p>The sweep, run before each operation (reads included):
 *
 * <ul>
 *   <li>a working task whose lease ran out ({@code lease.expiresAt < now}) goes through {@link
 *       Transitions#expire}: pending again, or dead after its last attempt;
 *   <li>a finished task whose {@code updatedAt + retentionMs < now} (its queue's retention) is
 *       removed.
 * </ul>
 *
 * A pending task with {@code run_at ≤ now} is claimable; nothing needs to move it.
 *
 * <p>Time comes from the given {@link Clock} (usually a {@link ManualClock}); a claim's {@code
 * waitMs} is real time. A waiting claim is woken by every write and also re-checks the clock every
 * {@value #RECHECK_MS} ms, so a delayed task becomes claimable to it once the clock passes its
 * {@code run_at}. Node id 0; task ids and backoff jitter come from random generators seeded by the
 * constructor's seed, so a run is reproducible given the same sequence of calls and clock readings.
 */
public final class ModelStore implements TaskStore, LeaseTokenKeySource {
  /** This store's node id, in every task id and version. */
  public static final int NODE = 0;

  /** How often a waiting claim looks at the clock again even if nothing woke it. */
  static final long RECHECK_MS = 20;

  /** The order claims take tasks in: priority desc, run_at asc, id asc. */
  public static final Comparator<Task> CLAIM_ORDER =
      Comparator.comparingInt(Task::priority)
          .reversed()
          .thenComparingLong(Task::runAt)
          .thenComparing(Task::id);

  private final Clock clock;
  private final Hlc hlc;
  private final TaskIdGenerator ids;
  private final SplittableRandom jitter;
  private final byte[] leaseTokenKey = new byte[32];

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** Every task, by id (ids sort by creation). */
  private final TreeMap<TaskId, Task> tasks = new TreeMap<>();

  /** Settings of the queues that were configured; others have the defaults. */
  private final Map<String, QueueSettings> settings = new HashMap<>();

  /** Queues that have had a task or a settings update. */
  private final TreeSet<String> queues = new TreeSet<>();

  private boolean draining;
  private boolean closed;
  private volatile StoreObserver observer = StoreObserver.NONE;

  /** A model store over {@code clock} with seed 0. */
  public ModelStore(Clock clock) {
    this(clock, 0);
  }

  public ModelStore(Clock clock, long seed) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.hlc = new Hlc(clock);
    SplittableRandom root = new SplittableRandom(seed);
    this.ids = new TaskIdGenerator(clock, NODE, root.split());
    this.jitter = root.split();
    root.split().nextBytes(leaseTokenKey);
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    lock.lock();
    try {
      long now = sweep();
      if (specs.isEmpty()) {
        return List.of();
      }
      QueueSettings s = settingsOf(queue);
      // All or nothing: build the whole batch first, then store it.
      Map<String, Task> liveByKey = new HashMap<>();
      for (Task t : tasks.values()) {
        if (t.queue().equals(queue) && t.uniqueKey() != null && !t.state().isTerminal()) {
          liveByKey.put(t.uniqueKey(), t);
        }
      }
      List<EnqueueResult> results = new ArrayList<>(specs.size());
      List<Task> fresh = new ArrayList<>();
      for (TaskSpec spec : specs) {
        Task existing = spec.uniqueKey() == null ? null : liveByKey.get(spec.uniqueKey());
        if (existing != null) {
          results.add(new EnqueueResult(existing, true));
          continue;
        }
        Task t = Transitions.enqueue(ids.next(), queue, spec, s, stamp(now));
        if (t.uniqueKey() != null) {
          liveByKey.put(t.uniqueKey(), t);
        }
        fresh.add(t);
        results.add(new EnqueueResult(t, false));
      }
      for (Task t : fresh) {
        tasks.put(t.id(), t);
      }
      queues.add(queue);
      changed.signalAll();
      return List.copyOf(results);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams p) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.waitMs());
    lock.lock();
    try {
      while (true) {
        long now = sweep();
        QueueSettings s = settingsOf(p.queue());
        if (!s.paused()) {
          List<Task> claimable = new ArrayList<>();
          for (Task t : tasks.values()) {
            if (t.queue().equals(p.queue()) && t.isClaimableAt(now)) {
              claimable.add(t);
            }
          }
          if (!claimable.isEmpty()) {
            claimable.sort(CLAIM_ORDER);
            long leaseMs = p.leaseMsIn(s);
            List<Task> claimed = new ArrayList<>();
            for (Task t : claimable.subList(0, Math.min(p.max(), claimable.size()))) {
              Task next = Transitions.claim(t, p.worker(), leaseMs, stamp(now));
              tasks.put(next.id(), next);
              claimed.add(next);
            }
            return List.copyOf(claimed);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || draining || closed) {
          return List.of();
        }
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(RECHECK_MS)));
        if (closed) {
          return List.of(); // closed while waiting: the claim ends empty, like a drained one
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson) {
    return change(new TaskChange.Heartbeat(id, token, leaseMs, progressJson));
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    return change(new Completion(id, token, resultJson));
  }

  @Override
  public List<Outcome> taskCompleteMany(List<Completion> completions) {
    lock.lock();
    try {
      long now = sweep();
      List<Outcome> out = new ArrayList<>(completions.size());
      for (Completion c : completions) {
        out.add(applyLocked(c, now));
      }
      return List.copyOf(out);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Outcome taskFail(FailParams p) {
    return change(p);
  }

  @Override
  public Outcome taskRelease(TaskId id, String token, long delayMs) {
    return change(new TaskChange.Release(id, token, delayMs));
  }

  @Override
  public Outcome taskCancel(TaskId id) {
    return change(new TaskChange.Cancel(id));
  }

  @Override
  public Outcome taskRetry(TaskId id) {
    lock.lock();
    try {
      long now = sweep();
      return applyLocked(id, t -> Transitions.retry(t, keyHolder(t), stamp(now)));
    } finally {
      lock.unlock();
    }
  }

  /** The live task of its queue that holds the unique key of {@code t}, or null. */
  private TaskId keyHolder(Task t) {
    for (Task other : tasks.values()) {
      if (t.uniqueKey() != null
          && other.queue().equals(t.queue())
          && t.uniqueKey().equals(other.uniqueKey())
          && !other.state().isTerminal()) {
        return other.id();
      }
    }
    return null;
  }

  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    lock.lock();
    try {
      long now = sweep();
      Set<String> liveKeys = new HashSet<>();
      List<Task> dead = new ArrayList<>();
      for (Task t : tasks.values()) {
        if (t.queue().equals(queue) && t.uniqueKey() != null && !t.state().isTerminal()) {
          liveKeys.add(t.uniqueKey());
        } else if (t.queue().equals(queue) && t.state() == TaskState.DEAD) {
          dead.add(t);
        }
      }
      int moved = 0;
      int skipped = 0;
      for (Task t : dead) {
        if (moved == limit) {
          break;
        }
        if (t.uniqueKey() != null && !liveKeys.add(t.uniqueKey())) {
          skipped++;
        } else {
          Task redriven = Transitions.redrive(t, stamp(now));
          tasks.put(t.id(), redriven);
          observer.redriven(redriven);
          moved++;
        }
      }
      if (moved > 0) {
        changed.signalAll();
      }
      return new RedriveResult(moved, skipped);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public QueueSettings queueUpdate(String queue, SettingsPatch patch) {
    lock.lock();
    try {
      sweep();
      QueueSettings next = patch.applyTo(settingsOf(queue));
      settings.put(queue, next);
      queues.add(queue);
      changed.signalAll();
      return next;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  @Override
  public Optional<Task> taskGet(TaskId id) {
    lock.lock();
    try {
      sweep();
      return Optional.ofNullable(tasks.get(id));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Page taskList(ListParams p) {
    PageBuilder page = new PageBuilder(p);
    lock.lock();
    try {
      sweep();
      Map<TaskId, Task> from = page.after() == null ? tasks : tasks.tailMap(page.after(), false);
      for (Task t : from.values()) {
        if (t.queue().equals(p.queue())
            && (p.state() == null || t.state() == p.state())
            && !page.offer(t.id(), t)) {
          break;
        }
      }
      return page.page();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public QueueInfo queueGet(String queue) {
    lock.lock();
    try {
      long now = sweep();
      return info(queue, now);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<QueueInfo> queueList() {
    lock.lock();
    try {
      long now = sweep();
      List<QueueInfo> out = new ArrayList<>(queues.size());
      for (String q : queues) {
        out.add(info(q, now));
      }
      return List.copyOf(out);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  @Override
  public byte[] leaseTokenKey() {
    return leaseTokenKey.clone();
  }

  @Override
  public void observe(StoreObserver observer) {
    this.observer = observer;
  }

  @Override
  public void drain() {
    lock.lock();
    try {
      draining = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals; everything below runs under the lock.

  private Outcome change(TaskChange change) {
    lock.lock();
    try {
      return applyLocked(change, sweep());
    } finally {
      lock.unlock();
    }
  }

  private Outcome applyLocked(TaskChange change, long now) {
    return applyLocked(
        change.id(), t -> change.apply(t, settingsOf(t.queue()), stamp(now), jitter));
  }

  /** Applies {@code rule} to the task {@code id} and stores what it returns. */
  private Outcome applyLocked(TaskId id, Function<Task, Outcome> rule) {
    Task t = tasks.get(id);
    if (t == null) {
      return new Outcome.NotFound(id);
    }
    Outcome o = rule.apply(t);
    if (o instanceof Outcome.Ok ok) {
      tasks.put(t.id(), ok.task());
      if (ok.task().state() == TaskState.PENDING) {
        changed.signalAll();
      }
    }
    return o;
  }

  /**
   * Brings the store up to the clock's now: ends expired leases and prunes finished tasks past
   * their retention. Returns the now it swept at, which the calling operation uses too.
   */
  private long sweep() {
    if (closed) {
      throw new StoreUnavailableException("the store is closed");
    }
    long now = clock.millis();
    boolean woke = false;
    List<TaskId> prune = new ArrayList<>();
    for (Map.Entry<TaskId, Task> e : tasks.entrySet()) {
      Task t = e.getValue();
      if (t.isLeaseExpiredAt(now)) {
        Task next = Transitions.expire(t, stamp(now));
        e.setValue(next);
        observer.leaseExpired(next);
        woke |= next.state() == TaskState.PENDING;
      } else if (t.state().isTerminal()
          && t.updatedAt() + settingsOf(t.queue()).retentionMs() < now) {
        prune.add(e.getKey());
      }
    }
    prune.forEach(tasks::remove);
    if (woke) {
      changed.signalAll();
    }
    return now;
  }

  private QueueInfo info(String queue, long now) {
    long pending = 0;
    long scheduled = 0;
    long working = 0;
    long done = 0;
    long dead = 0;
    long cancelled = 0;
    for (Task t : tasks.values()) {
      if (!t.queue().equals(queue)) {
        continue;
      }
      switch (t.state()) {
        case PENDING -> {
          if (t.runAt() <= now) {
            pending++;
          } else {
            scheduled++;
          }
        }
        case WORKING -> working++;
        case DONE -> done++;
        case DEAD -> dead++;
        case CANCELLED -> cancelled++;
      }
    }
    return new QueueInfo(
        queue,
        new QueueCounts(pending, scheduled, working, done, dead, cancelled),
        settingsOf(queue));
  }

  private QueueSettings settingsOf(String queue) {
    return settings.getOrDefault(queue, QueueSettings.DEFAULT);
  }

  /** A stamp at {@code now} (one reading of the clock per operation) with a fresh HLC timestamp. */
  private Stamp stamp(long now) {
    return new Stamp(now, hlc.now(), NODE);
  }
}
