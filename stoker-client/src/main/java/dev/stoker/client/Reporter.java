package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reports the outcomes of a worker's tasks to the server: failures, timeouts, releases, and
 * completions one by one. It retries while the server cannot be reached; once the worker is closing
 * it gives up at a deadline, and the task runs again when its lease expires.
 */
final class Reporter {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  /** The longest {@code error} the server takes, in characters. */
  static final int MAX_ERROR = 16_384;

  /** What is reported. */
  enum Report {
    COMPLETION("completion"),
    FAILURE("failure"),
    TIMEOUT("timeout"),
    RELEASE("release");

    private final String noun;

    Report(String noun) {
      this.noun = noun;
    }

    @Override
    public String toString() {
      return noun;
    }
  }

  private final StokerClient client;
  private final Connectivity connectivity;
  private final String who;
  private final Ticker ticker;

  /**
   * Once closing, reports that cannot reach the server give up at this {@link Ticker#nanoTime()}.
   */
  private volatile long giveUpAt;

  private volatile boolean closing;

  Reporter(StokerClient client, Connectivity connectivity, String who, Ticker ticker) {
    this.client = client;
    this.connectivity = connectivity;
    this.who = who;
    this.ticker = ticker;
  }

  /**
   * The worker is closing: from now on, reports to an unreachable server give up at {@code
   * nanoTime}.
   */
  void giveUpAt(long nanoTime) {
    giveUpAt = nanoTime;
    closing = true;
  }

  void complete(Job j, JsonNode result) {
    Task t = call(j, Report.COMPLETION, () -> client.complete(j.id(), j.token, result));
    if (t != null) {
      LOG.log(Level.DEBUG, () -> who + ": completed task " + j.id());
    }
  }

  /**
   * Completes {@code j} and claims as {@code next} says in the same request. Returns the tasks
   * claimed: none when nothing was claimable, or the completion was refused (then nothing was
   * claimed) or given up.
   */
  List<Task> completeAndClaim(Job j, JsonNode result, NextClaim next) {
    Finished f =
        finish(
            j,
            Report.COMPLETION,
            next,
            n -> client.completeAndClaim(j.id(), j.token, result, n),
            () -> client.complete(j.id(), j.token, result));
    if (f == null) {
      return List.of();
    }
    LOG.log(Level.DEBUG, () -> who + ": completed task " + j.id() + ", claimed " + f.next().size());
    return f.next();
  }

  /**
   * Fails {@code j} with what its handler threw: permanently, after a delay, or after the backoff;
   * and claims as {@code next} says in the same request (null: claims nothing). Returns the tasks
   * claimed, as {@link #completeAndClaim} does.
   */
  List<Task> fail(Job j, Throwable failure, NextClaim next) {
    boolean permanent = failure instanceof PermanentFailure;
    Duration retryIn = failure instanceof RetryLater r ? r.delay() : null;
    String error = errorText(failure);
    if (LOG.isLoggable(Level.DEBUG)) {
      LOG.log(
          Level.DEBUG,
          () -> who + ": task " + j.id() + " (" + j.name() + ") failed on attempt " + j.attempt(),
          failure);
    } else {
      LOG.log(
          Level.WARNING,
          () ->
              who
                  + ": task "
                  + j.id()
                  + " ("
                  + j.name()
                  + ") failed on attempt "
                  + j.attempt()
                  + (permanent ? " permanently" : "")
                  + ": "
                  + error);
    }
    Finished f =
        finish(
            j,
            Report.FAILURE,
            next,
            n -> client.failAndClaim(j.id(), j.token, error, permanent, retryIn, n),
            () -> client.fail(j.id(), j.token, error, permanent, retryIn));
    return f == null ? List.of() : f.next();
  }

  /** Fails {@code j} for a retry: its handler ran past {@code timeout}. */
  void timeout(Job j, String error) {
    call(j, Report.TIMEOUT, () -> client.fail(j.id(), j.token, error, false, null));
  }

  /** Gives {@code j} back: pending again, the attempt not counted. */
  void release(Job j, String why) {
    release(j, why, null);
  }

  /**
   * Gives {@code j} back and claims as {@code next} says in the same request (null: claims
   * nothing). Returns the tasks claimed, as {@link #completeAndClaim} does.
   */
  List<Task> release(Job j, String why, NextClaim next) {
    Finished f =
        finish(
            j,
            Report.RELEASE,
            next,
            n -> client.releaseAndClaim(j.id(), j.token, Duration.ZERO, n),
            () -> client.release(j.id(), j.token, Duration.ZERO));
    if (f == null) {
      return List.of();
    }
    LOG.log(
        Level.DEBUG,
        () -> who + ": released task " + j.id() + " (" + why + "), the attempt not counted");
    return f.next();
  }

  /**
   * Reports an outcome of {@code j} with {@code withClaim}, which claims as {@code next} says in
   * the same request, or with {@code alone} when {@code next} is null. Null when the server refused
   * the outcome (then nothing was claimed) or the worker gave up, as {@link #call} says.
   */
  private Finished finish(
      Job j,
      Report what,
      NextClaim next,
      Function<NextClaim, Finished> withClaim,
      Supplier<Task> alone) {
    if (next == null) {
      Task t = call(j, what, alone);
      return t == null ? null : new Finished(t, List.of());
    }
    return call(
        j,
        what,
        () -> {
          try {
            return withClaim.apply(next);
          } catch (ProblemException e) {
            if (e.field() == null || !e.field().startsWith("claim")) {
              throw e;
            }
            // the claim part is ours to get right; if the server still refuses it, report the
            // outcome without it
            LOG.log(
                Level.WARNING,
                () ->
                    who
                        + ": the server refused the claim sent with a "
                        + what
                        + ": "
                        + e.getMessage());
            return new Finished(alone.get(), List.of());
          }
        });
  }

  /**
   * Calls the server for an outcome of task {@code j}, retrying while it cannot be reached. Returns
   * null when the server refused (logged) or the worker gave up (closed, and past the give-up
   * time).
   */
  <T> T call(Job j, Report what, Supplier<T> op) {
    RetryDelay delay = new RetryDelay();
    while (true) {
      try {
        T r = op.get();
        connectivity.up();
        return r;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!pause(delay.next())) {
          LOG.log(
              Level.WARNING,
              () ->
                  who
                      + ": giving up the "
                      + what
                      + " of task "
                      + j.id()
                      + ": the worker is "
                      + "closed and the server unreachable; the task runs again when its lease expires");
          return null;
        }
      } catch (ProblemException e) {
        connectivity.up();
        refused(j, what, e);
        return null;
      } catch (StokerException e) {
        LOG.log(
            Level.WARNING,
            () -> who + ": the " + what + " of task " + j.id() + " failed: " + e.getMessage());
        return null;
      }
    }
  }

  private void refused(Job j, Report what, ProblemException e) {
    if (what == Report.COMPLETION && e.isAlreadyFinished() && e.state() == TaskState.DONE) {
      LOG.log(Level.DEBUG, () -> who + ": task " + j.id() + " was already done");
    } else if (e.status() == 409) {
      LOG.log(
          Level.INFO,
          () ->
              who
                  + ": the "
                  + what
                  + " of task "
                  + j.id()
                  + " does not apply any more: "
                  + e.getMessage());
    } else if (what == Report.COMPLETION && e.isInvalid()) {
      LOG.log(
          Level.WARNING,
          () -> who + ": the server refused the result of task " + j.id() + ": " + e.getMessage());
      call(
          j,
          Report.FAILURE,
          () ->
              client.fail(
                  j.id(),
                  j.token,
                  clip("the server refused the result: " + e.getMessage()),
                  false,
                  null));
    } else {
      LOG.log(
          Level.WARNING,
          () -> who + ": the " + what + " of task " + j.id() + " was refused: " + e.getMessage());
    }
  }

  /**
   * Waits before a retry; false when the worker is closing and past the give-up time (or
   * interrupted).
   */
  boolean pause(Duration d) {
    Duration wait = d;
    if (closing) {
      long left = giveUpAt - ticker.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait = Duration.ofNanos(Math.min(d.toNanos(), left));
    }
    try {
      ticker.sleep(wait);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The {@code error} of a task that ran past {@code timeout}. */
  static String timedOut(Duration timeout) {
    return "timed out after " + format(timeout);
  }

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
      b.appendCodePoint(
          cp == 0 || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)
              ? 0xFFFD
              : cp);
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
}
