package dev.stoker.store.postgres;

/**
 * When this server should next sweep: the earliest time it knows of at which a delayed task falls
 * due, a lease runs out or a finished task's retention ends. Transactions lower it as they commit;
 * a sweep sets it from the database (which includes what other servers wrote). A sweep that runs
 * while transactions commit keeps their times too, so no due time is lost between the sweep's
 * reading and its setting; an early time costs one sweep that finds nothing.
 */
final class Due {
  private long next = Long.MIN_VALUE; // sweep at once after start-up
  private boolean sweeping;
  private long seenWhileSweeping;

  synchronized boolean isDue(long now) {
    return now >= next;
  }

  synchronized void note(long at) {
    next = Math.min(next, at);
    if (sweeping) {
      seenWhileSweeping = Math.min(seenWhileSweeping, at);
    }
  }

  synchronized void sweepStarted() {
    sweeping = true;
    seenWhileSweeping = Long.MAX_VALUE;
  }

  /** Ends a sweep that found the next due time {@code at} in the database. */
  synchronized void sweepEnded(long at) {
    sweeping = false;
    next = Math.min(at, seenWhileSweeping);
  }

  /** Ends a sweep that failed: try again at the next chance. */
  synchronized void sweepFailed() {
    sweeping = false;
    next = Long.MIN_VALUE;
  }

  synchronized long next() {
    return next;
  }
}
