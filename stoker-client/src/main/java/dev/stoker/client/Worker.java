package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Runs the tasks of one queue with {@link TaskHandler}s: claims them, runs each on a virtual thread
 * (at most {@code concurrency} at once), heartbeats their leases, and completes or fails them.
 *
 * <pre>{@code
 * try (Worker worker = Worker.builder(client)
 *     .queue("emails")
 *     .concurrency(8)
 *     .handler("send_welcome", ctx -> mailer.send(ctx.params(Welcome.class)))
 *     .build()
 *     .start()) {
 *   awaitShutdownSignal();
 * } // close(): stops claiming, lets running handlers finish, gives unstarted tasks back
 * }</pre>
 *
 * <p>How it behaves:
 *
 * <ul>
 *   <li><b>Claims</b> as many tasks as it has free slots (plus {@link Builder#prefetch(int) prefetch})
 *       in one request, with a long poll of {@link Builder#pollWait(Duration) pollWait}: an idle worker
 *       waits on the server and gets a new task within milliseconds of its enqueue, without polling.
 *   <li><b>Heartbeats</b> every task it holds at a third of its lease, on one scheduler per worker. When
 *       a heartbeat is refused (HTTP 409: the lease expired and the task went to another worker, or the
 *       task is finished elsewhere, or cancelled) it sets {@link TaskContext#leaseLost()}, interrupts
 *       the handler, and reports nothing for that run.
 *   <li><b>Completes</b> a task with the handler's return value; completions that finish together are
 *       sent together. A completion refused because the task is already done is fine.
 *   <li><b>Fails</b> a task with the message of what the handler threw: {@link PermanentFailure} fails
 *       it permanently, {@link RetryLater} retries it after its delay, anything else after the queue's
 *       backoff; {@link ReleaseTask} gives it back instead, the attempt not counted. A handler that
 *       runs past {@link Builder#taskTimeout(Duration) taskTimeout} is interrupted and its task
 *       failed with "timed out after …".
 *   <li><b>Keeps going</b> when the server cannot be reached (connection refused or reset, timeouts,
 *       503, a restart): it retries with a capped exponential backoff (100 ms … 5 s, with jitter),
 *       logging one WARNING per outage ("server unreachable, retrying") and one INFO when it is back.
 * </ul>
 *
 * <p>Logs go to {@link System.Logger} {@code dev.stoker.client.Worker}, which the JDK routes to
 * java.util.logging unless a logging library provides its own {@code System.LoggerFinder}.
 */
public final class Worker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());
  /** The longest {@code error} the server takes, in characters. */
  static final int MAX_ERROR = 16_384;
  /** After the grace, how long close() still waits for the releases of interrupted tasks. */
  static final Duration FORCE_BOUND = Duration.ofSeconds(5);

  private enum State { NEW, RUNNING, STOPPING, CLOSED }

  private final StokerClient client;
  private final String queue;
  private final String name;
  private final int concurrency;
  private final int prefetch;
  private final Duration lease;
  private final Duration taskTimeout;
  private final Duration pollWait;
  private final Duration shutdownGrace;
  private final Map<String, TaskHandler> handlers;
  private final TaskHandler defaultHandler;
  private final String who;
  private final Connectivity connectivity;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Claimed, heartbeating, not started (prefetched). Guarded by lock. */
  private final ArrayDeque<Job> buffer = new ArrayDeque<>();
  /** Handler threads alive. Guarded by lock. */
  private final Set<Job> running = new LinkedHashSet<>();
  /** Outcome reports in flight on threads of their own (timeouts, forced releases). Guarded by lock. */
  private int reports;
  /**
   * Completions handed to the completer and not yet answered. Their slots are free already, so the
   * next claim overlaps the completion; at most {@link StokerClient#MAX_BATCH} of them (backpressure).
   * Guarded by lock.
   */
  private int completing;
  private State state = State.NEW;
  /** Whether a claim request is on its way (a long poll, maybe). Guarded by lock. */
  private boolean claiming;
  /** Whether the claim loop still runs. Guarded by lock. */
  private boolean claimerAlive;
  private Thread claimer;
  private Thread completer;
  private ScheduledThreadPoolExecutor scheduler;
  private final LinkedBlockingQueue<PendingCompletion> completions = new LinkedBlockingQueue<>();
  /** Guarded by the monitor of {@link #completions}. */
  private boolean completerStopped;
  /** Once closing, reports that cannot reach the server give up at this System.nanoTime(). */
  private volatile long giveUpAt;
  private volatile boolean closing;

  private Worker(Builder b) {
    this.client = b.client;
    this.queue = b.queue;
    this.name = b.name != null ? b.name : defaultName();
    this.concurrency = b.concurrency;
    this.prefetch = b.prefetch;
    this.lease = b.lease;
    this.taskTimeout = b.taskTimeout;
    this.pollWait = b.pollWait;
    this.shutdownGrace = b.shutdownGrace;
    this.handlers = Map.copyOf(b.handlers);
    this.defaultHandler = b.defaultHandler;
    this.who = "worker " + name + " (queue " + queue + ")";
    this.connectivity = new Connectivity(who, client.base());
  }

  /**
   * A builder of a worker that uses {@code client}. The worker does not close the client.
   *
   * @param client the client to talk to the server with
   * @return a new builder
   */
  public static Builder builder(StokerClient client) {
    return new Builder(Objects.requireNonNull(client, "client"));
  }

  /** Configures and builds a {@link Worker}. */
  public static final class Builder {
    private final StokerClient client;
    private String queue;
    private String name;
    private int concurrency = 1;
    private int prefetch;
    private Duration lease;
    private Duration taskTimeout;
    private Duration pollWait = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private final Map<String, TaskHandler> handlers = new HashMap<>();
    private TaskHandler defaultHandler;

    private Builder(StokerClient client) {
      this.client = client;
    }

    /**
     * The queue to work on (required).
     *
     * @param queue the queue's name
     * @return this builder
     */
    public Builder queue(String queue) {
      this.queue = Objects.requireNonNull(queue, "queue");
      return this;
    }

    /**
     * How many handlers run at once (default 1), each on a virtual thread.
     *
     * @param n 1–1000
     * @return this builder
     */
    public Builder concurrency(int n) {
      if (n < 1 || n > StokerClient.MAX_BATCH) {
        throw new IllegalArgumentException("concurrency must be 1–" + StokerClient.MAX_BATCH + ", was " + n);
      }
      this.concurrency = n;
      return this;
    }

    /**
     * How many tasks to claim beyond the free slots, to start them without a round trip when a slot
     * frees up (default 0). Prefetched tasks are leased and heartbeated while they wait, and given
     * back (released, the attempt not counted) when the worker closes.
     *
     * @param n 0 or more
     * @return this builder
     */
    public Builder prefetch(int n) {
      if (n < 0 || n > StokerClient.MAX_BATCH) {
        throw new IllegalArgumentException("prefetch must be 0–" + StokerClient.MAX_BATCH + ", was " + n);
      }
      this.prefetch = n;
      return this;
    }

    /**
     * The worker's name, recorded as the owner of its leases (default {@code hostname-pid}).
     *
     * @param name 1–256 characters
     * @return this builder
     */
    public Builder worker(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("the worker's name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * The lease to claim and heartbeat with; null (the default) uses the queue's setting. Either way
     * the worker heartbeats every third of the lease the server granted.
     *
     * @param lease a positive duration, or null
     * @return this builder
     */
    public Builder lease(Duration lease) {
      this.lease = lease == null ? null : positive(lease, "lease");
      return this;
    }

    /**
     * How long one run of a handler may take; past it the handler is interrupted and the task failed
     * with "timed out after …" (and retried like any failure). Null (the default) for no limit.
     *
     * @param timeout a positive duration, or null
     * @return this builder
     */
    public Builder taskTimeout(Duration timeout) {
      this.taskTimeout = timeout == null ? null : positive(timeout, "taskTimeout");
      return this;
    }

    /**
     * How long one claim waits on the server for a task when the queue is empty (default 30 s). An
     * idle worker's {@link Worker#close()} waits for its claim to come back, so this is also how long
     * closing an idle worker may take.
     *
     * @param wait more than 0, at most 60 s
     * @return this builder
     */
    public Builder pollWait(Duration wait) {
      positive(wait, "pollWait");
      if (wait.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("pollWait must be at most 60 s (the server's limit), was " + wait);
      }
      this.pollWait = wait;
      return this;
    }

    /**
     * How long {@link Worker#close()} lets running handlers finish before it interrupts them and gives
     * their tasks back (default 30 s).
     *
     * @param grace 0 or more
     * @return this builder
     */
    public Builder shutdownGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace must not be negative, was " + grace);
      }
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Runs tasks named {@code taskName} with {@code handler}, replacing any handler given for that name
     * before.
     *
     * @param taskName the tasks' name
     * @param handler what runs them
     * @return this builder
     */
    public Builder handler(String taskName, TaskHandler handler) {
      handlers.put(Objects.requireNonNull(taskName, "taskName"), Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /**
     * Runs tasks whose name has no handler of its own. Without one, such a task fails with "no handler
     * for task …" (and is retried, in case a worker that knows it comes along).
     *
     * @param handler what runs them
     * @return this builder
     */
    public Builder defaultHandler(TaskHandler handler) {
      this.defaultHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Builds the worker; {@link Worker#start()} starts it.
     *
     * @return the worker
     * @throws IllegalStateException when no queue or no handler was given
     */
    public Worker build() {
      if (queue == null) {
        throw new IllegalStateException("a worker needs a queue: call queue(name)");
      }
      if (handlers.isEmpty() && defaultHandler == null) {
        throw new IllegalStateException("a worker needs a handler: call handler(name, h) or defaultHandler(h)");
      }
      return new Worker(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }

  /**
   * The worker's name, the owner of its leases.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The queue the worker works on.
   *
   * @return the queue's name
   */
  public String queue() {
    return queue;
  }

  /**
   * Starts claiming and running tasks, and returns at once.
   *
   * @return this worker
   * @throws IllegalStateException when it was started or closed before
   */
  public Worker start() {
    lock.lock();
    try {
      if (state != State.NEW) {
        throw new IllegalStateException(who + " was started before; a worker runs once");
      }
      state = State.RUNNING;
      scheduler = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "stoker-worker-" + name + "-scheduler");
        t.setDaemon(true);
        return t;
      });
      scheduler.setRemoveOnCancelPolicy(true);
      completer = Thread.ofVirtual().name("stoker-worker-" + name + "-completer").start(this::completeLoop);
      claimerAlive = true;
      claimer = Thread.ofVirtual().name("stoker-worker-" + name + "-claimer").start(this::claimLoop);
    } finally {
      lock.unlock();
    }
    LOG.log(Level.INFO, () -> who + " started: concurrency " + concurrency
        + (prefetch > 0 ? ", prefetch " + prefetch : "") + ", server " + client.base());
    return this;
  }

  /**
   * Whether the worker was started and is not closing.
   *
   * @return whether it is running
   */
  public boolean isRunning() {
    lock.lock();
    try {
      return state == State.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops gracefully, and returns when it has:
   *
   * <ol>
   *   <li>stops claiming: no new claim starts;
   *   <li>gives back (releases, the attempt not counted) tasks claimed but not started;
   *   <li>lets running handlers finish and reports their outcomes, and lets a claim that is waiting on
   *       the server come back (what it brings is given back too), for up to {@link
   *       Builder#shutdownGrace(Duration) shutdownGrace};
   *   <li>then interrupts the handlers still running and releases their tasks (whatever they do
   *       afterwards is not reported), and abandons a claim still waiting.
   * </ol>
   *
   * <p>An idle worker is waiting on a long poll, so its close takes up to {@link
   * Builder#pollWait(Duration) pollWait} (bounded by the grace): abandoning the poll sooner would let
   * the server hand the next task to a claim nobody reads, and that task would wait out a whole lease.
   * Use a shorter pollWait for a faster shutdown. Calling close again, or before start, does nothing.
   */
  @Override
  public void close() {
    Thread claimerThread;
    long graceEnd = System.nanoTime() + shutdownGrace.toNanos();
    lock.lock();
    try {
      if (state == State.NEW) {
        state = State.CLOSED;
        return;
      }
      if (state != State.RUNNING) {
        return;
      }
      state = State.STOPPING;
      giveUpAt = graceEnd + FORCE_BOUND.toNanos();
      closing = true;
      changed.signalAll();
      claimerThread = claimer;
      if (!claiming) {
        claimerThread.interrupt(); // it sleeps or waits for a slot: nothing to lose
      }
    } finally {
      lock.unlock();
    }
    LOG.log(Level.INFO, () -> who + " stopping: " + runningCount() + " running, grace " + shutdownGrace.toMillis()
        + " ms");

    // Tasks claimed but not started go back at once, for other workers to take.
    List<Job> unstarted;
    lock.lock();
    try {
      unstarted = new ArrayList<>(buffer);
      buffer.clear();
    } finally {
      lock.unlock();
    }
    List<Thread> releases = new ArrayList<>();
    for (Job j : unstarted) {
      if (j.settle()) {
        j.stopTimers();
        releases.add(Thread.ofVirtual().name("stoker-release-" + j.id()).start(() -> release(j, "not started")));
      }
    }
    for (Thread t : releases) {
      join(t, giveUpAt);
    }

    // Running handlers may finish within the grace (their outcomes are reported), and a waiting claim
    // may come back (the claim loop gives back what it brings).
    awaitIdle(graceEnd, true);

    // Then a claim still waiting is abandoned, and running handlers are interrupted and given back.
    boolean abandon;
    lock.lock();
    try {
      abandon = claimerAlive;
    } finally {
      lock.unlock();
    }
    if (abandon) {
      LOG.log(Level.INFO, () -> who + ": abandoning the claim still waiting on the server after the grace; a task "
          + "the server might give it runs again when its lease expires");
      claimerThread.interrupt();
    }
    List<Job> rest;
    lock.lock();
    try {
      rest = new ArrayList<>(running);
    } finally {
      lock.unlock();
    }
    for (Job j : rest) {
      if (j.settle()) {
        LOG.log(Level.WARNING, () -> who + ": task " + j.id() + " (" + j.name() + ") still running after the grace; "
            + "interrupting it and releasing the task");
        j.stopTimers();
        Thread t = j.thread;
        if (t != null) {
          t.interrupt();
        }
        report(() -> release(j, "interrupted at shutdown"));
      }
    }
    awaitIdle(giveUpAt, false);
    join(claimerThread, giveUpAt);
    lock.lock();
    try {
      if (!running.isEmpty()) {
        int n = running.size();
        LOG.log(Level.WARNING, () -> who + ": " + n + " handler(s) ignored the interrupt and are still running; "
            + "their tasks were given back");
      }
      state = State.CLOSED;
    } finally {
      lock.unlock();
    }
    completer.interrupt();
    join(completer, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    scheduler.shutdownNow();
    LOG.log(Level.INFO, () -> who + " stopped");
  }

  private int runningCount() {
    lock.lock();
    try {
      return running.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until no handler runs and no report is in flight (and, with {@code claimToo}, the claim loop
   * has ended), or until {@code deadline} (nanoTime).
   */
  private void awaitIdle(long deadline, boolean claimToo) {
    lock.lock();
    try {
      long left;
      while ((!running.isEmpty() || reports > 0 || completing > 0 || (claimToo && claimerAlive))
          && (left = deadline - System.nanoTime()) > 0) {
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private static void join(Thread t, long deadline) {
    try {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        t.join(Duration.ofNanos(left));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- claiming

  private void claimLoop() {
    try {
      claimUntilStopped();
    } finally {
      lock.lock();
      try {
        claiming = false;
        claimerAlive = false;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void claimUntilStopped() {
    RetryDelay delay = new RetryDelay();
    boolean refusalLogged = false;
    while (true) {
      int want;
      lock.lock();
      try {
        while (state == State.RUNNING && (running.size() + buffer.size() >= concurrency + prefetch
            || completing >= StokerClient.MAX_BATCH)) {
          changed.await();
        }
        if (state != State.RUNNING) {
          return;
        }
        want = Math.min(StokerClient.MAX_BATCH, concurrency + prefetch - running.size() - buffer.size());
        claiming = true; // from here close() lets the claim come back rather than abandon it
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      long started = System.nanoTime();
      List<Task> tasks;
      try {
        try {
          tasks = client.claim(queue, name, want, lease, pollWait);
        } finally {
          lock.lock();
          try {
            claiming = false;
          } finally {
            lock.unlock();
          }
        }
        connectivity.up();
        refusalLogged = false;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!sleep(delay.next())) {
          return;
        }
        continue;
      } catch (StokerInterruptedException e) {
        if (!isRunning()) {
          return;
        }
        continue;
      } catch (RuntimeException e) {
        connectivity.up();
        if (!refusalLogged) {
          LOG.log(Level.ERROR, () -> who + ": claims are refused, retrying: " + e.getMessage(), e);
          refusalLogged = true;
        } else {
          LOG.log(Level.DEBUG, () -> who + ": claim refused: " + e.getMessage());
        }
        if (!sleep(delay.next())) {
          return;
        }
        continue;
      }
      accept(tasks);
      if (!isRunning()) {
        return;
      }
      long tookNanos = System.nanoTime() - started;
      if (tasks.isEmpty() && tookNanos < pollWait.toNanos() / 2) {
        // The server answered at once with nothing (it is draining, say): do not spin.
        if (!sleep(delay.next())) {
          return;
        }
      } else {
        delay.reset();
      }
    }
  }

  /** Sleeps unless the worker stops; false when it should stop. */
  private boolean sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      return false;
    }
    return isRunning();
  }

  private void accept(List<Task> tasks) {
    List<Job> late = new ArrayList<>();
    lock.lock();
    try {
      for (Task t : tasks) {
        if (t.lease() == null || t.lease().token() == null) {
          LOG.log(Level.WARNING, () -> who + ": claimed task " + t.id() + " has no lease token; skipping it");
          continue;
        }
        Job j = new Job(this, t);
        if (state != State.RUNNING) {
          late.add(j);
        } else {
          buffer.add(j);
          j.heartbeats = scheduler.scheduleWithFixedDelay(() -> tick(j), j.heartbeatEveryMs, j.heartbeatEveryMs,
              TimeUnit.MILLISECONDS);
        }
      }
      dispatch();
    } finally {
      lock.unlock();
    }
    if (!late.isEmpty()) {
      // Claimed while close() began: give them back now. close() may have interrupted this thread
      // just after the claim came back; that interrupt must not stop the releases.
      Thread.interrupted();
      for (Job j : late) {
        j.settle();
        release(j, "claimed during shutdown");
      }
    }
  }

  /** Starts buffered tasks while there are free slots. Call with the lock held. */
  private void dispatch() {
    while (state == State.RUNNING && running.size() < concurrency) {
      Job j = buffer.poll();
      if (j == null) {
        break;
      }
      if (j.settled.get()) {
        continue; // lost its lease while it waited
      }
      running.add(j);
      Thread t = Thread.ofVirtual().name("stoker-task-" + j.id()).unstarted(() -> run(j));
      j.thread = t;
      t.start();
    }
    changed.signalAll();
  }

  // ---------------------------------------------------------------- running

  private void run(Job j) {
    boolean slotFreed = false;
    try {
      if (j.settled.get()) {
        return;
      }
      if (taskTimeout != null) {
        j.timeout = scheduler.schedule(() -> timedOut(j), taskTimeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      Object result = null;
      Throwable failure = null;
      TaskHandler h = handlers.getOrDefault(j.name(), defaultHandler);
      try {
        if (h == null) {
          failure = new IllegalStateException("no handler for task '" + j.name() + "' on " + who);
        } else {
          result = h.handle(j);
        }
      } catch (Throwable e) {
        failure = e;
      }
      ScheduledFuture<?> to = j.timeout;
      if (to != null) {
        to.cancel(false);
      }
      if (!j.settle()) {
        return; // timed out, lease lost, or shut down: someone else reported (or nothing is to be)
      }
      Thread.interrupted(); // a stray interrupt must not break the report
      if (failure == null) {
        JsonNode tree = null;
        try {
          tree = Wire.tree(client.objectMapper(), result, "result");
        } catch (IllegalArgumentException e) {
          failure = e;
        }
        if (failure == null) {
          PendingCompletion p = new PendingCompletion(j, tree, new CompletableFuture<>());
          if (submit(p)) {
            lock.lock();
            try {
              running.remove(j);
              completing++;
              slotFreed = true;
              dispatch();
            } finally {
              lock.unlock();
            }
            try {
              p.done.join(); // the lease is still heartbeated until the server has the completion
            } finally {
              lock.lock();
              try {
                completing--;
                changed.signalAll();
              } finally {
                lock.unlock();
              }
            }
          }
          return;
        }
      }
      if (failure instanceof ReleaseTask r) {
        release(j, r.getMessage());
      } else {
        fail(j, failure);
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, () -> who + ": unexpected error around task " + j.id(), e);
    } finally {
      j.stopTimers();
      if (!slotFreed) {
        lock.lock();
        try {
          running.remove(j);
          dispatch();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private void fail(Job j, Throwable failure) {
    boolean permanent = failure instanceof PermanentFailure;
    Duration retryIn = failure instanceof RetryLater r ? r.delay() : null;
    String error = errorText(failure);
    if (LOG.isLoggable(Level.DEBUG)) {
      LOG.log(Level.DEBUG, () -> who + ": task " + j.id() + " (" + j.name() + ") failed on attempt " + j.attempt(),
          failure);
    } else {
      LOG.log(Level.WARNING, () -> who + ": task " + j.id() + " (" + j.name() + ") failed on attempt " + j.attempt()
          + (permanent ? " permanently" : "") + ": " + error);
    }
    call(j, "failure", () -> client.fail(j.id(), j.token, error, permanent, retryIn));
  }

  private void timedOut(Job j) {
    if (!j.settle()) {
      return;
    }
    j.stopTimers();
    String error = "timed out after " + format(taskTimeout);
    LOG.log(Level.WARNING, () -> who + ": task " + j.id() + " (" + j.name() + ") " + error + "; interrupting it");
    Thread t = j.thread;
    if (t != null) {
      t.interrupt();
    }
    report(() -> call(j, "timeout", () -> client.fail(j.id(), j.token, error, false, null)));
  }

  /** Runs an outcome report on a thread of its own; close() waits for it. */
  private void report(Runnable r) {
    lock.lock();
    try {
      reports++;
    } finally {
      lock.unlock();
    }
    Thread.ofVirtual().name("stoker-report").start(() -> {
      try {
        r.run();
      } finally {
        lock.lock();
        try {
          reports--;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    });
  }

  private void release(Job j, String why) {
    Task t = call(j, "release", () -> client.release(j.id(), j.token, Duration.ZERO));
    if (t != null) {
      LOG.log(Level.DEBUG, () -> who + ": released task " + j.id() + " (" + why + "), the attempt not counted");
    }
  }

  // ---------------------------------------------------------------- heartbeats

  private void tick(Job j) {
    if (!j.beating.compareAndSet(false, true)) {
      return; // the last one is still waiting for the server
    }
    Thread.ofVirtual().name("stoker-heartbeat-" + j.id()).start(() -> {
      try {
        client.heartbeat(j.id(), j.token, lease);
        connectivity.up();
      } catch (ProblemException e) {
        connectivity.up();
        if (e.status() == 409 || e.isNotFound()) {
          lost(j, e);
        } else {
          LOG.log(Level.WARNING, () -> who + ": heartbeat of task " + j.id() + " refused: " + e.getMessage());
        }
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
      } catch (StokerException e) {
        LOG.log(Level.WARNING, () -> who + ": heartbeat of task " + j.id() + " failed: " + e.getMessage());
      } finally {
        j.beating.set(false);
      }
    });
  }

  /** A heartbeat was refused: the task is someone else's now (or finished, or cancelled). */
  void lost(Job j, ProblemException e) {
    j.leaseLost = true;
    j.stopTimers();
    lock.lock();
    try {
      if (!j.settle()) {
        return;
      }
      TaskState now = e.state();
      LOG.log(Level.INFO, () -> who + ": lease of task " + j.id() + " (" + j.name() + ") lost"
          + (now == null ? "" : ", the task is " + now.wireName()) + "; stopping its handler, reporting nothing");
      Thread t = j.thread;
      if (t != null) {
        t.interrupt();
      } else {
        buffer.remove(j);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- completing

  private record PendingCompletion(Job job, JsonNode result, CompletableFuture<Void> done) {}

  /** Hands a completion to the completer; false when it has stopped (the worker is closed). */
  private boolean submit(PendingCompletion p) {
    synchronized (completions) {
      if (completerStopped) {
        return false;
      }
      completions.add(p);
      return true;
    }
  }

  private void completeLoop() {
    List<PendingCompletion> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(completions.take());
        completions.drainTo(batch, StokerClient.MAX_BATCH - 1);
        try {
          sendCompletions(batch);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, () -> who + ": unexpected error completing tasks", e);
        } finally {
          batch.forEach(p -> p.done.complete(null));
          batch.clear();
        }
      }
    } catch (InterruptedException e) {
      // closed
    } finally {
      batch.forEach(p -> p.done.complete(null));
      List<PendingCompletion> left = new ArrayList<>();
      synchronized (completions) {
        completerStopped = true;
        completions.drainTo(left);
      }
      if (!left.isEmpty()) {
        LOG.log(Level.WARNING, () -> who + ": " + left.size() + " completion(s) not sent before the worker closed; "
            + "those tasks run again when their leases expire");
      }
      left.forEach(p -> p.done.complete(null));
    }
  }

  private void sendCompletions(List<PendingCompletion> batch) {
    if (batch.size() == 1) {
      completeOne(batch.get(0));
      return;
    }
    List<Completion> cs = new ArrayList<>(batch.size());
    for (PendingCompletion p : batch) {
      cs.add(new Completion(p.job.id(), p.job.token, p.result));
    }
    RetryDelay delay = new RetryDelay();
    List<CompletionResult> results;
    while (true) {
      try {
        results = client.completeAll(cs);
        connectivity.up();
        break;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!pause(delay.next())) {
          LOG.log(Level.WARNING, () -> who + ": giving up completing " + cs.size() + " tasks: the worker is closed "
              + "and the server unreachable; they run again when their leases expire");
          return;
        }
      } catch (ProblemException e) {
        connectivity.up();
        // One bad completion (a result too large, say) refuses the batch: complete them one by one.
        batch.forEach(this::completeOne);
        return;
      } catch (StokerException e) {
        LOG.log(Level.WARNING, () -> who + ": completing " + cs.size() + " tasks failed: " + e.getMessage()
            + "; they run again when their leases expire");
        return;
      }
    }
    for (int i = 0; i < results.size(); i++) {
      CompletionResult r = results.get(i);
      Job j = batch.get(i).job;
      if (r.ok()) {
        LOG.log(Level.DEBUG, () -> who + ": completed task " + j.id());
      } else if (r.alreadyDone()) {
        LOG.log(Level.DEBUG, () -> who + ": task " + j.id() + " was already done");
      } else if (r.status() == 409) {
        LOG.log(Level.INFO, () -> who + ": task " + j.id() + " is " + (r.state() == null ? "finished" : r.state()
            .wireName()) + "; its result is dropped");
      } else {
        LOG.log(Level.WARNING, () -> who + ": completion of task " + j.id() + " refused: " + r.status() + " "
            + r.error());
      }
    }
  }

  private void completeOne(PendingCompletion p) {
    Job j = p.job;
    Task t = call(j, "completion", () -> client.complete(j.id(), j.token, p.result));
    if (t != null) {
      LOG.log(Level.DEBUG, () -> who + ": completed task " + j.id());
    }
  }

  // ---------------------------------------------------------------- reporting

  /**
   * Calls the server for an outcome of task {@code j}, retrying while it cannot be reached. Returns
   * null when the server refused (logged) or the worker gave up (closed, and past the give-up time).
   */
  private <T> T call(Job j, String what, Supplier<T> op) {
    RetryDelay delay = new RetryDelay();
    while (true) {
      try {
        T r = op.get();
        connectivity.up();
        return r;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!pause(delay.next())) {
          LOG.log(Level.WARNING, () -> who + ": giving up the " + what + " of task " + j.id() + ": the worker is "
              + "closed and the server unreachable; the task runs again when its lease expires");
          return null;
        }
      } catch (ProblemException e) {
        connectivity.up();
        refused(j, what, e);
        return null;
      } catch (StokerException e) {
        LOG.log(Level.WARNING, () -> who + ": the " + what + " of task " + j.id() + " failed: " + e.getMessage());
        return null;
      }
    }
  }

  private void refused(Job j, String what, ProblemException e) {
    if (what.equals("completion") && e.isAlreadyFinished() && e.state() == TaskState.DONE) {
      LOG.log(Level.DEBUG, () -> who + ": task " + j.id() + " was already done");
    } else if (e.status() == 409) {
      LOG.log(Level.INFO, () -> who + ": the " + what + " of task " + j.id() + " does not apply any more: "
          + e.getMessage());
    } else if (what.equals("completion") && e.isInvalid()) {
      LOG.log(Level.WARNING, () -> who + ": the server refused the result of task " + j.id() + ": " + e.getMessage());
      call(j, "failure", () -> client.fail(j.id(), j.token, clip("the server refused the result: " + e.getMessage()),
          false, null));
    } else {
      LOG.log(Level.WARNING, () -> who + ": the " + what + " of task " + j.id() + " was refused: " + e.getMessage());
    }
  }

  /** Sleeps before a retry; false when the worker is closing and past the give-up time (or interrupted). */
  private boolean pause(Duration d) {
    long sleep = d.toNanos();
    if (closing) {
      long left = giveUpAt - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      sleep = Math.min(sleep, left);
    }
    try {
      TimeUnit.NANOSECONDS.sleep(sleep);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The {@code error} to fail with: the exception's message, within the server's limits. */
  static String errorText(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getName();
    }
    return clip(m);
  }

  /** Text the server takes as an error: no NUL, no unpaired surrogate, 1–16384 characters. */
  static String clip(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_ERROR));
    int count = 0;
    int i = 0;
    while (i < s.length()) {
      if (count == MAX_ERROR) {
        b.setLength(b.length() - Character.charCount(b.codePointBefore(b.length())));
        b.append('…');
        break;
      }
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      b.appendCodePoint(cp == 0 || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) ? 0xFFFD : cp);
      count++;
    }
    return b.isEmpty() ? "error" : b.toString();
  }

  /** A duration as people write it: 250 ms, 2 s, 1.5 s, 3 min. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + " min";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + " s";
    }
    return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
  }

  private static String defaultName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = System.getenv().getOrDefault("HOSTNAME", "worker");
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /** How long a claimed task's lease is, by the server's clock (skew-free): expires_at − updated_at. */
  static long leaseMillis(Task t, Duration configured) {
    if (configured != null) {
      return configured.toMillis();
    }
    long ms = Duration.between(t.updatedAt(), t.lease().expiresAt()).toMillis();
    if (ms <= 0) {
      ms = Duration.between(Instant.now(), t.lease().expiresAt()).toMillis();
    }
    return Math.max(ms, 30);
  }

  @Override
  public String toString() {
    return "Worker[" + name + ", queue " + queue + "]";
  }

  // ---------------------------------------------------------------- one claimed task

  /** A claimed task while this worker holds it: its lease, its handler thread, and who settles it. */
  static final class Job implements TaskContext {
    private final Worker worker;
    private final Task task;
    final String token;
    final long heartbeatEveryMs;
    /** Set by whoever decides the outcome first: the handler's return, a timeout, a lost lease, shutdown. */
    final AtomicBoolean settled = new AtomicBoolean();
    final AtomicBoolean beating = new AtomicBoolean();
    volatile boolean leaseLost;
    volatile Thread thread;
    volatile ScheduledFuture<?> heartbeats;
    volatile ScheduledFuture<?> timeout;

    Job(Worker worker, Task task) {
      this.worker = worker;
      this.task = task;
      this.token = task.lease().token();
      this.heartbeatEveryMs = Math.max(10, leaseMillis(task, worker.lease) / 3);
    }

    boolean settle() {
      return settled.compareAndSet(false, true);
    }

    void stopTimers() {
      ScheduledFuture<?> h = heartbeats;
      if (h != null) {
        h.cancel(false);
      }
      ScheduledFuture<?> t = timeout;
      if (t != null) {
        t.cancel(false);
      }
    }

    @Override
    public String id() {
      return task.id();
    }

    @Override
    public String name() {
      return task.name();
    }

    @Override
    public int attempt() {
      return task.attempt();
    }

    @Override
    public Task task() {
      return task;
    }

    @Override
    public JsonNode params() {
      return task.params();
    }

    @Override
    public <T> T params(Class<T> type) {
      return worker.client.decode(task.params(), type);
    }

    @Override
    public boolean leaseLost() {
      return leaseLost;
    }

    @Override
    public void heartbeat() {
      try {
        worker.client.heartbeat(task.id(), token, worker.lease);
        worker.connectivity.up();
      } catch (ProblemException e) {
        if (e.status() == 409 || e.isNotFound()) {
          worker.lost(this, e);
        }
        throw e;
      }
    }

    @Override
    public String toString() {
      return "TaskContext[" + task.id() + " " + task.name() + " attempt " + task.attempt() + "]";
    }
  }
}
