package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
 *   <li><b>Claims</b> as many tasks as it has free slots (plus {@link Builder#prefetch(int)
 *       prefetch}) in one request, with a long poll of {@link Builder#pollWait(Duration) pollWait}:
 *       an idle worker waits on the server and gets a new task within milliseconds of its enqueue,
 *       without polling.
 *   <li><b>Heartbeats</b> every task it holds at a third of its lease, on one scheduler per worker.
 *       When a heartbeat is refused (HTTP 409: the lease expired and the task went to another
 *       worker, or the task is finished elsewhere, or cancelled) it sets {@link
 *       TaskContext#leaseLost()}, interrupts the handler, and reports nothing for that run.
 *   <li><b>Completes</b> a task with the handler's return value; completions that finish together
 *       are sent together. A completion refused because the task is already done is fine. A
 *       completion also claims, in the same request, as many tasks as the worker then has room for,
 *       so a busy worker makes one request per task; when that finds nothing, the long poll takes
 *       over.
 *   <li><b>Fails</b> a task with the message of what the handler threw: {@link PermanentFailure}
 *       fails it permanently, {@link RetryLater} retries it after its delay, anything else after
 *       the queue's backoff; {@link ReleaseTask} gives it back instead, the attempt not counted.
 *       Like a completion, the failure or release claims the worker's next tasks in the same
 *       request. A handler that runs past {@link Builder#taskTimeout(Duration) taskTimeout} is
 *       interrupted and its task failed with "timed out after …" (without a claim: its slot is free
 *       only once the handler returns).
 *   <li><b>Keeps going</b> when the server cannot be reached (connection refused or reset,
 *       timeouts, 503, a restart): it retries with a capped exponential backoff (100 ms … 5 s, with
 *       jitter), logging one WARNING per outage ("server unreachable, retrying") and one INFO when
 *       it is back.
 * </ul>
 *
 * <p>Logs go to {@link System.Logger} {@code dev.stoker.client.Worker}, which the JDK routes to
 * java.util.logging unless a logging library provides its own {@code System.LoggerFinder}.
 *
 * <p>Inside, this class keeps the worker's lifecycle and its slots (the tasks it holds, running or
 * waiting to run) and runs the handlers; a {@code Claimer} claims, a {@code LeaseKeeper}
 * heartbeats, a {@code CompletionBatcher} sends completions and a {@code Reporter} every other
 * outcome.
 */
public final class Worker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  /** After the grace, how long close() still waits for the releases of interrupted tasks. */
  static final Duration FORCE_BOUND = Duration.ofSeconds(5);

  private enum State {
    NEW,
    RUNNING,
    STOPPING,
    CLOSED
  }

  private final StokerClient client;
  private final WorkerConfig config;
  private final String who;
  private final Ticker ticker;
  private final Connectivity connectivity;
  private final ScheduledThreadPoolExecutor scheduler;
  private final Reporter reporter;
  private final CompletionBatcher completions;
  private final LeaseKeeper leases;

  /** The claim a finish makes in the same request; its max is set per request. */
  private final NextClaim nextClaim;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** Claimed, heartbeating, not started (prefetched). Guarded by lock. */
  private final ArrayDeque<Job> buffer = new ArrayDeque<>();

  /** Handler threads alive. Guarded by lock. */
  private final Set<Job> running = new LinkedHashSet<>();

  /**
   * Outcome reports in flight on threads of their own (timeouts, forced releases). Guarded by lock.
   */
  private int reports;

  /**
   * Completions handed to the batcher and not yet answered. Their slots are free already, so the
   * next claim overlaps the completion; at most {@link StokerClient#MAX_BATCH} of them
   * (backpressure). Guarded by lock.
   */
  private int completing;

  private State state = State.NEW;

  /**
   * Slots held for the tasks that completions on their way claim in the same request. Guarded by
   * lock.
   */
  private int reserved;

  /**
   * How many tasks the claim loop's request on its way asks for, until it brings them; else 0.
   * Guarded by lock.
   */
  private int claimingMax;

  /** Whether a claim request is on its way (a long poll, maybe). Guarded by lock. */
  private boolean claiming;

  /** Whether the claim loop still runs. Guarded by lock. */
  private boolean claimerAlive;

  private Thread claimer;

  private Worker(StokerClient client, WorkerConfig config) {
    this.client = client;
    this.config = config;
    this.who = config.who();
    this.ticker = config.ticker();
    this.connectivity = new Connectivity(who, client.base());
    // Its one thread starts with the first heartbeat.
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "stoker-worker-" + config.name() + "-scheduler");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    this.reporter = new Reporter(client, connectivity, who, ticker);
    this.nextClaim = NextClaim.of(config.name()).queue(config.queue()).lease(config.lease());
    this.completions =
        new CompletionBatcher(client, connectivity, who, reporter, nextClaim, this::accept);
    this.leases = new LeaseKeeper(client, config.lease(), connectivity, who, scheduler, this::lost);
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
    private Ticker ticker = Ticker.SYSTEM;

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
        throw new IllegalArgumentException(
            "concurrency must be 1–" + StokerClient.MAX_BATCH + ", was " + n);
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
        throw new IllegalArgumentException(
            "prefetch must be 0–" + StokerClient.MAX_BATCH + ", was " + n);
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
     * The lease to claim and heartbeat with; null (the default) uses the queue's setting. Either
     * way the worker heartbeats every third of the lease the server granted.
     *
     * @param lease a positive duration, or null
     * @return this builder
     */
    public Builder lease(Duration lease) {
      this.lease = lease == null ? null : positive(lease, "lease");
      return this;
    }

    /**
     * How long one run of a handler may take; past it the handler is interrupted and the task
     * failed with "timed out after …" (and retried like any failure). Null (the default) for no
     * limit.
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
     * idle worker's {@link Worker#close()} waits for its claim to come back, so this is also how
     * long closing an idle worker may take.
     *
     * @param wait more than 0, at most 60 s
     * @return this builder
     */
    public Builder pollWait(Duration wait) {
      positive(wait, "pollWait");
      if (wait.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException(
            "pollWait must be at most 60 s (the server's limit), was " + wait);
      }
      this.pollWait = wait;
      return this;
    }

    /**
     * How long {@link Worker#close()} lets running handlers finish before it interrupts them and
     * gives their tasks back (default 30 s).
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
     * Runs tasks named {@code taskName} with {@code handler}, replacing any handler given for that
     * name before.
     *
     * @param taskName the tasks' name
     * @param handler what runs them
     * @return this builder
     */
    public Builder handler(String taskName, TaskHandler handler) {
      handlers.put(
          Objects.requireNonNull(taskName, "taskName"), Objects.requireNonNull(handler, "handler"));
      return this;
    }

    /**
     * Runs tasks whose name has no handler of its own. Without one, such a task fails with "no
     * handler for task …" (and is retried, in case a worker that knows it comes along).
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
        throw new IllegalStateException(
            "a worker needs a handler: call handler(name, h) or defaultHandler(h)");
      }
      return new Worker(
          client,
          new WorkerConfig(
              queue,
              name,
              concurrency,
              prefetch,
              lease,
              taskTimeout,
              pollWait,
              shutdownGrace,
              handlers,
              defaultHandler,
              ticker));
    }

    /** The worker's time, for unit tests that must not sleep. */
    Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
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
    return config.name();
  }

  /**
   * The queue the worker works on.
   *
   * @return the queue's name
   */
  public String queue() {
    return config.queue();
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
      completions.start("stoker-worker-" + config.name() + "-completer");
      claimerAlive = true;
      Claimer loop =
          new Claimer(
              max ->
                  client.claim(
                      config.queue(), config.name(), max, config.lease(), config.pollWait()),
              config.pollWait(),
              new ClaimSlots(),
              connectivity,
              who,
              ticker);
      claimer = Thread.ofVirtual().name("stoker-worker-" + config.name() + "-claimer").start(loop);
    } finally {
      lock.unlock();
    }
    LOG.log(
        Level.INFO,
        () ->
            who
                + " started: concurrency "
                + config.concurrency()
                + (config.prefetch() > 0 ? ", prefetch " + config.prefetch() : "")
                + ", server "
                + client.base());
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
   *   <li>lets running handlers finish and reports their outcomes, and lets a claim that is waiting
   *       on the server come back (what it brings is given back too), for up to {@link
   *       Builder#shutdownGrace(Duration) shutdownGrace};
   *   <li>then interrupts the handlers still running and releases their tasks (whatever they do
   *       afterwards is not reported), and abandons a claim still waiting.
   * </ol>
   *
   * <p>An idle worker is waiting on a long poll, so its close takes up to {@link
   * Builder#pollWait(Duration) pollWait} (bounded by the grace): abandoning the poll sooner would
   * let the server hand the next task to a claim nobody reads, and that task would wait out a whole
   * lease. Use a shorter pollWait for a faster shutdown. Calling close again, or before start, does
   * nothing.
   */
  @Override
  public void close() {
    long graceEnd = ticker.nanoTime() + config.shutdownGrace().toNanos();
    long giveUpAt = graceEnd + FORCE_BOUND.toNanos();
    Thread claimerThread = stopClaiming(giveUpAt);
    if (claimerThread == null) {
      return;
    }
    LOG.log(
        Level.INFO,
        () ->
            who
                + " stopping: "
                + runningCount()
                + " running, grace "
                + config.shutdownGrace().toMillis()
                + " ms");
    releaseUnstarted(giveUpAt);
    // Running handlers may finish within the grace (their outcomes are reported), and a waiting
    // claim
    // may come back (the claim loop gives back what it brings).
    awaitIdle(graceEnd, true);
    abandonWaitingClaim(claimerThread);
    interruptRunning();
    awaitIdle(giveUpAt, false);
    join(claimerThread, giveUpAt);
    lock.lock();
    try {
      if (!running.isEmpty()) {
        int n = running.size();
        LOG.log(
            Level.WARNING,
            () ->
                who
                    + ": "
                    + n
                    + " handler(s) ignored the interrupt and are still running; "
                    + "their tasks were given back");
      }
      state = State.CLOSED;
    } finally {
      lock.unlock();
    }
    completions.stop();
    scheduler.shutdownNow();
    LOG.log(Level.INFO, () -> who + " stopped");
  }

  /**
   * Moves to STOPPING: no claim starts from now on. Returns the claim loop's thread, or null when
   * there is nothing to stop (closed before, or never started).
   */
  private Thread stopClaiming(long giveUpAt) {
    lock.lock();
    try {
      if (state == State.NEW) {
        state = State.CLOSED;
        scheduler.shutdownNow();
        return null;
      }
      if (state != State.RUNNING) {
        return null;
      }
      state = State.STOPPING;
      reporter.giveUpAt(giveUpAt);
      changed.signalAll();
      if (!claiming) {
        claimer.interrupt(); // it sleeps or waits for a slot: nothing to lose
      }
      return claimer;
    } finally {
      lock.unlock();
    }
  }

  /** Gives back the tasks claimed but not started, at once, for other workers to take. */
  private void releaseUnstarted(long giveUpAt) {
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
        releases.add(
            Thread.ofVirtual()
                .name("stoker-release-" + j.id())
                .start(() -> reporter.release(j, "not started")));
      }
    }
    for (Thread t : releases) {
      join(t, giveUpAt);
    }
  }

  /** After the grace, stops waiting for a claim still on its way on the server. */
  private void abandonWaitingClaim(Thread claimerThread) {
    boolean abandon;
    lock.lock();
    try {
      abandon = claimerAlive;
    } finally {
      lock.unlock();
    }
    if (abandon) {
      LOG.log(
          Level.INFO,
          () ->
              who
                  + ": abandoning the claim still waiting on the server after the grace; a task "
                  + "the server might give it runs again when its lease expires");
      claimerThread.interrupt();
    }
  }

  /** After the grace, interrupts the handlers still running and gives their tasks back. */
  private void interruptRunning() {
    List<Job> rest;
    lock.lock();
    try {
      rest = new ArrayList<>(running);
    } finally {
      lock.unlock();
    }
    for (Job j : rest) {
      if (j.settle()) {
        LOG.log(
            Level.WARNING,
            () ->
                who
                    + ": task "
                    + j.id()
                    + " ("
                    + j.name()
                    + ") still running after the grace; "
                    + "interrupting it and releasing the task");
        j.stopTimers();
        Thread t = j.thread;
        if (t != null) {
          t.interrupt();
        }
        report(() -> reporter.release(j, "interrupted at shutdown"));
      }
    }
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
   * Waits until no handler runs and no report is in flight (and, with {@code claimToo}, the claim
   * loop has ended), or until {@code deadline} (nanoTime).
   */
  private void awaitIdle(long deadline, boolean claimToo) {
    lock.lock();
    try {
      long left;
      while ((!running.isEmpty() || reports > 0 || completing > 0 || (claimToo && claimerAlive))
          && (left = deadline - ticker.nanoTime()) > 0) {
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void join(Thread t, long deadline) {
    try {
      long left = deadline - ticker.nanoTime();
      if (left > 0) {
        t.join(Duration.ofNanos(left));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- claiming

  /** The worker's side of its {@link Claimer}. */
  private final class ClaimSlots implements Claimer.Slots {
    @Override
    public int awaitRoom() throws InterruptedException {
      lock.lock();
      try {
        claimingMax = 0; // the last claim came back (its tasks taken, or it failed)
        while (state == State.RUNNING && (room() <= 0 || completing >= StokerClient.MAX_BATCH)) {
          changed.await();
        }
        if (state != State.RUNNING) {
          return 0;
        }
        claiming = true; // from here close() lets the claim come back rather than abandon it
        claimingMax = Math.min(StokerClient.MAX_BATCH, room());
        return claimingMax;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void claimReturned() {
      lock.lock();
      try {
        claiming = false; // claimingMax stays until its tasks are taken: the room is theirs
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void accept(List<Task> tasks) {
      Worker.this.accept(tasks, 0, true);
    }

    @Override
    public boolean isRunning() {
      return Worker.this.isRunning();
    }

    @Override
    public void ended() {
      lock.lock();
      try {
        claiming = false;
        claimingMax = 0;
        claimerAlive = false;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Slots free for new tasks: not running, buffered, held for the claims riding on completions, or
   * asked for by the claim on its way. Call with the lock held.
   */
  private int room() {
    return config.capacity() - running.size() - buffer.size() - reserved - claimingMax;
  }

  /** Takes the tasks a completion claimed, which had {@code room} slots held for them. */
  private void accept(List<Task> tasks, int room) {
    accept(tasks, room, false);
  }

  /**
   * Takes claimed tasks, which had {@code room} slots held for them by completions, or (from the
   * claim loop) the slots its claim asked for.
   */
  private void accept(List<Task> tasks, int room, boolean fromClaimLoop) {
    List<Job> late = new ArrayList<>();
    lock.lock();
    try {
      reserved -= room;
      if (fromClaimLoop) {
        claimingMax = 0;
      }
      for (Task t : tasks) {
        if (t.lease() == null || t.lease().token() == null) {
          LOG.log(
              Level.WARNING,
              () -> who + ": claimed task " + t.id() + " has no lease token; skipping it");
          continue;
        }
        Job j = leases.job(t);
        if (state != State.RUNNING) {
          late.add(j);
        } else {
          buffer.add(j);
          leases.keep(j);
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
        reporter.release(j, "claimed during shutdown");
      }
    }
  }

  /** Starts buffered tasks while there are free slots. Call with the lock held. */
  private void dispatch() {
    while (state == State.RUNNING && running.size() < config.concurrency()) {
      Job j = buffer.poll();
      if (j == null) {
        break;
      }
      if (j.isSettled()) {
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
      if (j.isSettled()) {
        return;
      }
      Duration timeout = config.taskTimeout();
      if (timeout != null) {
        j.timeout = scheduler.schedule(() -> timedOut(j), timeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      Object result = null;
      Throwable failure = null;
      TaskHandler h = config.handlerOf(j.name());
      try {
        if (h == null) {
          failure = new IllegalStateException("no handler for task '" + j.name() + "' on " + who);
        } else {
          result = h.handle(j);
        }
      } catch (Throwable e) {
        failure = e;
      }
      if (j.timeout != null) {
        j.timeout.cancel(false);
      }
      if (!j.settle()) {
        return; // timed out, lease lost, or shut down: someone else reported (or nothing is to be)
      }
      Thread.interrupted(); // a stray interrupt must not break the report
      if (failure == null) {
        try {
          slotFreed = complete(j, Wire.tree(client.objectMapper(), result, "result"));
          return;
        } catch (IllegalArgumentException e) {
          failure = e; // a result the mapper cannot write
        }
      }
      failOrRelease(j, failure);
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

  /**
   * Hands the completion of {@code j} to the batcher, frees its slot for the next task, and waits
   * until the server has it (the lease is heartbeated meanwhile). The completion claims the tasks
   * the worker then has room for in the same request (while the worker runs), so a busy worker
   * needs no claim requests; when they find nothing, the claim loop's long poll takes over. False
   * when nothing was sent (the worker is closed) and the slot is still taken.
   */
  private boolean complete(Job j, JsonNode result) {
    int claim = reserveNext();
    CompletableFuture<Void> sent = completions.submit(j, result, claim);
    lock.lock();
    try {
      if (sent == null) {
        reserved -= claim;
        changed.signalAll();
        return false;
      }
      running.remove(j);
      completing++;
      dispatch();
    } finally {
      lock.unlock();
    }
    try {
      sent.join();
    } finally {
      lock.lock();
      try {
        completing--;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
    return true;
  }

  /**
   * Fails {@code j} with what its handler threw, or gives it back for a {@link ReleaseTask}, and
   * claims in the same request the tasks the worker then has room for, as a completion does. Unlike
   * a completion's, the slot of {@code j} stays taken until the server answered (the handler's
   * thread sends it), so close() waits for the report.
   */
  private void failOrRelease(Job j, Throwable failure) {
    int claim = reserveNext();
    NextClaim next = claim > 0 ? nextClaim.max(claim) : null;
    List<Task> claimed = List.of();
    try {
      claimed =
          failure instanceof ReleaseTask r
              ? reporter.release(j, r.getMessage(), next)
              : reporter.fail(j, failure, next);
    } finally {
      if (claim > 0) {
        accept(claimed, claim);
      }
    }
  }

  /**
   * Holds the slots a finish of a running task claims for in its request: the free room and the
   * task's own slot; none once the worker is closing (it claims no more).
   */
  private int reserveNext() {
    lock.lock();
    try {
      int claim =
          state == State.RUNNING ? Math.max(0, Math.min(StokerClient.MAX_BATCH, room() + 1)) : 0;
      reserved += claim;
      return claim;
    } finally {
      lock.unlock();
    }
  }

  private void timedOut(Job j) {
    if (!j.settle()) {
      return;
    }
    j.stopTimers();
    String error = Reporter.timedOut(config.taskTimeout());
    LOG.log(
        Level.WARNING,
        () -> who + ": task " + j.id() + " (" + j.name() + ") " + error + "; interrupting it");
    Thread t = j.thread;
    if (t != null) {
      t.interrupt();
    }
    report(() -> reporter.timeout(j, error));
  }

  /** Runs an outcome report on a thread of its own; close() waits for it. */
  private void report(Runnable r) {
    lock.lock();
    try {
      reports++;
    } finally {
      lock.unlock();
    }
    Thread.ofVirtual()
        .name("stoker-report")
        .start(
            () -> {
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

  /** The lease of {@code j} is lost: the task is someone else's now (or finished, or cancelled). */
  private void lost(Job j, TaskState now) {
    lock.lock();
    try {
      if (!j.settle()) {
        return;
      }
      LOG.log(
          Level.INFO,
          () ->
              who
                  + ": lease of task "
                  + j.id()
                  + " ("
                  + j.name()
                  + ") lost"
                  + (now == null ? "" : ", the task is " + now.wireName())
                  + "; stopping its handler, reporting nothing");
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

  @Override
  public String toString() {
    return "Worker[" + config.name() + ", queue " + config.queue() + "]";
  }
}
