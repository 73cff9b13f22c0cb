package dev.stoker.core;

/**
 * Every transition of docs/state-machine.md ("Transitions as implemented") as a pure function:
 * given a task and a {@link Stamp}, it returns the task after the operation, or a refusal. No I/O
 * and no clocks here; the stores call these and persist what they return, so every backend applies
 * the same rules.
 *
 * <p>Every transition that changes the state makes a strictly larger {@link Version}; a heartbeat
 * keeps the version and only moves the lease's expiry later.
 */
public final class Transitions {
  private Transitions() {}

  /** A new pending task. */
  public static Task enqueue(
      TaskId id, String queue, TaskSpec spec, QueueSettings settings, Stamp at) {
    long runAt =
        spec.runAt() != null
            ? spec.runAt()
            : at.now() + (spec.delayMs() != null ? spec.delayMs() : 0);
    int maxAttempts = spec.maxAttempts() != null ? spec.maxAttempts() : settings.maxAttempts();
    return new Task(
        id,
        queue,
        spec.name(),
        spec.paramsJson(),
        spec.priority(),
        runAt,
        spec.uniqueKey(),
        maxAttempts,
        0,
        TaskState.PENDING,
        Version.initial(at.hlc(), at.node()),
        null,
        null,
        null,
        at.now(),
        at.now(),
        spec.traceparent());
  }

  /**
   * Claims a pending task for {@code owner}: working under a new lease, one more attempt. Which
   * pending tasks are due is the store's to decide (see {@link Task#isClaimableAt}); a store whose
   * index says a task is due may claim it even if the wall clock has since stepped back.
   */
  public static Task claim(Task t, String owner, long leaseMs, Stamp at) {
    if (t.state() != TaskState.PENDING) {
      throw new IllegalStateException("task " + t.id() + " is not pending: " + t.state());
    }
    Version v = t.version().claimed(at.hlc(), at.node());
    Lease lease = new Lease(owner, LeaseToken.of(t.id(), v).encode(), at.now() + leaseMs);
    return evolve(
        t, TaskState.WORKING, v, lease, t.attempt() + 1, t.runAt(), null, t.lastError(), at);
  }

  /**
   * A heartbeat that reports no progress: see {@link #heartbeat(Task, String, long, String,
   * Stamp)}.
   */
  public static Outcome heartbeat(Task t, String token, long leaseMs, Stamp at) {
    return heartbeat(t, token, leaseMs, null, at);
  }

  /**
   * Extends the lease of the claim {@code token} names; the version stays the same. The progress,
   * when given, replaces the lease's; when null the lease keeps the last one reported.
   *
   * @param progressJson the progress as JSON text, its size already checked ({@link
   *     Limits#checkProgressSize}), or null
   */
  public static Outcome heartbeat(
      Task t, String token, long leaseMs, String progressJson, Stamp at) {
    Outcome refusal = refuseUnlessCurrent(t, token);
    if (refusal != null) {
      return refusal;
    }
    long expiresAt = Math.max(t.lease().expiresAt(), at.now() + leaseMs);
    Lease lease =
        new Lease(
            t.lease().owner(),
            t.lease().token(),
            expiresAt,
            progressJson != null ? progressJson : t.lease().progressJson());
    return new Outcome.Ok(
        evolve(t, t.state(), t.version(), lease, t.attempt(), t.runAt(), null, t.lastError(), at));
  }

  /**
   * Completes the task. Accepted from working or pending with any token of this task, not only the
   * current one: a worker whose lease expired still did the work, and its result is as good.
   */
  public static Outcome complete(Task t, String token, String resultJson, Stamp at) {
    if (t.state().isTerminal()) {
      return new Outcome.AlreadyFinished(t);
    }
    LeaseToken parsed = LeaseToken.tryParse(token);
    if (parsed == null || !parsed.taskId().equals(t.id())) {
      return new Outcome.StaleToken(t);
    }
    Version v = t.version().completed(at.hlc(), at.node());
    return new Outcome.Ok(
        evolve(t, TaskState.DONE, v, null, t.attempt(), t.runAt(), resultJson, t.lastError(), at));
  }

  /**
   * Fails the current claim: back to pending after a backoff (or after {@code retryInMs} when
   * given), or dead when the failure is permanent or the attempts are used up.
   *
   * @param jitter a uniformly distributed number in [0, 1) for the backoff's jitter
   */
  public static Outcome fail(
      Task t,
      String token,
      String error,
      boolean permanent,
      Long retryInMs,
      Backoff backoff,
      double jitter,
      Stamp at) {
    Outcome refusal = refuseUnlessCurrent(t, token);
    if (refusal != null) {
      return refusal;
    }
    if (permanent || t.attempt() >= t.maxAttempts()) {
      return new Outcome.Ok(toDead(t, error, at));
    }
    long delay = retryInMs != null ? retryInMs : backoff.delayMs(t.attempt(), jitter);
    Version v = t.version().backToPending(at.hlc(), at.node());
    return new Outcome.Ok(
        evolve(t, TaskState.PENDING, v, null, t.attempt(), at.now() + delay, null, error, at));
  }

  /** Gives the task back: pending again (after {@code delayMs}), and the attempt does not count. */
  public static Outcome release(Task t, String token, long delayMs, Stamp at) {
    Outcome refusal = refuseUnlessCurrent(t, token);
    if (refusal != null) {
      return refusal;
    }
    Version v = t.version().backToPending(at.hlc(), at.node());
    return new Outcome.Ok(
        evolve(
            t,
            TaskState.PENDING,
            v,
            null,
            t.attempt() - 1,
            at.now() + delayMs,
            null,
            t.lastError(),
            at));
  }

  /**
   * Ends a lease that ran out (see {@link Task#isLeaseExpiredAt}): the task is claimable again at
   * once, or dead when that was its last attempt, so a task that crashes every worker does not run
   * forever.
   */
  public static Task expire(Task t, Stamp at) {
    if (!t.isLeaseExpiredAt(at.now())) {
      throw new IllegalStateException("task " + t.id() + " has no expired lease");
    }
    String error = "lease of " + t.lease().owner() + " expired on attempt " + t.attempt();
    if (t.attempt() >= t.maxAttempts()) {
      return toDead(t, error, at);
    }
    Version v = t.version().backToPending(at.hlc(), at.node());
    return evolve(t, TaskState.PENDING, v, null, t.attempt(), at.now(), null, error, at);
  }

  /** Cancels a pending or working task. */
  public static Outcome cancel(Task t, Stamp at) {
    if (t.state().isTerminal()) {
      return new Outcome.AlreadyFinished(t);
    }
    Version v = t.version().terminal(Version.RANK_CANCELLED, at.hlc(), at.node());
    return new Outcome.Ok(
        evolve(t, TaskState.CANCELLED, v, null, t.attempt(), t.runAt(), null, t.lastError(), at));
  }

  /** Revives a dead task as a queue's redrive does: see {@link #revive}. */
  public static Task redrive(Task t, Stamp at) {
    if (t.state() != TaskState.DEAD) {
      throw new IllegalStateException(
          "only a dead task can be redriven, " + t.id() + " is " + t.state());
    }
    return revive(t, at);
  }

  /**
   * Retries one task that ended without success, dead or cancelled: revived as a redrive revives
   * (see {@link #revive}). Any other state is refused, and so is a task whose unique key another
   * live task holds, as a redrive passes such a task over.
   *
   * @param keyHolder the live task of the queue that holds {@code t}'s unique key, or null (when
   *     {@code t} is live that is {@code t} itself, refused for its state first)
   */
  public static Outcome retry(Task t, TaskId keyHolder, Stamp at) {
    if (t.state() != TaskState.DEAD && t.state() != TaskState.CANCELLED) {
      return new Outcome.NotRetryable(t);
    }
    if (keyHolder != null) {
      return new Outcome.KeyHeld(t, keyHolder);
    }
    return new Outcome.Ok(revive(t, at));
  }

  /**
   * Pending now, in a new generation (so the revival beats the terminal state it leaves), with its
   * attempts reset; {@code last_error} is kept.
   */
  private static Task revive(Task t, Stamp at) {
    Version v = t.version().redriven(at.hlc(), at.node());
    return evolve(t, TaskState.PENDING, v, null, 0, at.now(), null, t.lastError(), at);
  }

  private static Task toDead(Task t, String error, Stamp at) {
    Version v = t.version().terminal(Version.RANK_DEAD, at.hlc(), at.node());
    return evolve(t, TaskState.DEAD, v, null, t.attempt(), t.runAt(), null, error, at);
  }

  private static Outcome refuseUnlessCurrent(Task t, String token) {
    LeaseToken parsed = LeaseToken.tryParse(token);
    if (parsed != null && parsed.isCurrentFor(t)) {
      return null;
    }
    return t.state().isTerminal() ? new Outcome.AlreadyFinished(t) : new Outcome.StaleToken(t);
  }

  private static Task evolve(
      Task t,
      TaskState state,
      Version v,
      Lease lease,
      int attempt,
      long runAt,
      String resultJson,
      String lastError,
      Stamp at) {
    return new Task(
        t.id(),
        t.queue(),
        t.name(),
        t.paramsJson(),
        t.priority(),
        runAt,
        t.uniqueKey(),
        t.maxAttempts(),
        attempt,
        state,
        v,
        lease,
        resultJson,
        lastError,
        t.createdAt(),
        at.now(),
        t.traceparent());
  }
}
