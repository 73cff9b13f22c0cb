package dev.stoker.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;

/**
 * A worker's claim loop: claims as many tasks as the worker has room for, in one long-poll request,
 * and hands them over. It backs off (capped exponential, with jitter) while the server cannot be
 * reached, refuses claims, or answers at once with nothing (a draining server, say), so it never
 * spins; a claim that brought tasks or waited out its poll resets the backoff.
 */
final class Claimer implements Runnable {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  /** The call to the server: claims at most {@code max} tasks. */
  @FunctionalInterface
  interface Claims {
    List<Task> claim(int max);
  }

  /** The worker's side of claiming. */
  interface Slots {
    /**
     * Waits until the worker has room; returns how many tasks to claim, or 0 when the worker is
     * stopping. From a positive answer until {@link #claimReturned()} a claim is on its way, which
     * a closing worker lets come back rather than abandon.
     */
    int awaitRoom() throws InterruptedException;

    /** The claim came back, with tasks or not. */
    void claimReturned();

    /** Takes the tasks a claim brought. */
    void accept(List<Task> tasks);

    boolean isRunning();

    /** The loop has ended. */
    void ended();
  }

  private final Claims claims;
  private final Duration pollWait;
  private final Slots slots;
  private final Connectivity connectivity;
  private final String who;
  private final Ticker ticker;

  Claimer(
      Claims claims,
      Duration pollWait,
      Slots slots,
      Connectivity connectivity,
      String who,
      Ticker ticker) {
    this.claims = claims;
    this.pollWait = pollWait;
    this.slots = slots;
    this.connectivity = connectivity;
    this.who = who;
    this.ticker = ticker;
  }

  /** Claims until the worker stops (or this thread is interrupted while it is not claiming). */
  @Override
  public void run() {
    try {
      claimUntilStopped();
    } finally {
      slots.ended();
    }
  }

  private void claimUntilStopped() {
    RetryDelay delay = new RetryDelay();
    boolean refusalLogged = false;
    while (true) {
      int want;
      try {
        want = slots.awaitRoom();
      } catch (InterruptedException e) {
        return;
      }
      if (want <= 0) {
        return;
      }
      long started = ticker.nanoTime();
      List<Task> tasks;
      try {
        try {
          tasks = claims.claim(want);
        } finally {
          slots.claimReturned();
        }
        connectivity.up();
        refusalLogged = false;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!backOff(delay)) {
          return;
        }
        continue;
      } catch (StokerInterruptedException e) {
        if (!slots.isRunning()) {
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
        if (!backOff(delay)) {
          return;
        }
        continue;
      }
      slots.accept(tasks);
      if (!slots.isRunning()) {
        return;
      }
      boolean answeredAtOnce = ticker.nanoTime() - started < pollWait.toNanos() / 2;
      if (tasks.isEmpty() && answeredAtOnce) {
        if (!backOff(delay)) {
          return;
        }
      } else {
        delay.reset();
      }
    }
  }

  /** Waits the next delay; false when the worker stops meanwhile. */
  private boolean backOff(RetryDelay delay) {
    try {
      ticker.sleep(delay.next());
    } catch (InterruptedException e) {
      return false;
    }
    return slots.isRunning();
  }
}
