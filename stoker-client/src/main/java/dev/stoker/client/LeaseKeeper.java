package dev.stoker.client;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the leases of the tasks a worker holds: heartbeats each every third of its lease, and tells
 * the worker when one is lost (a heartbeat refused with 409 or 404: the lease expired and the task
 * went to another worker, or it is finished elsewhere, or cancelled).
 */
final class LeaseKeeper {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  /** What the worker does when the lease of a task it holds is lost. */
  @FunctionalInterface
  interface Losses {
    /** {@code now}: the task's state as the server said, or null. */
    void lost(Job j, TaskState now);
  }

  private final StokerClient client;

  /** The lease to heartbeat with; null for the queue's. */
  private final Duration lease;

  private final Connectivity connectivity;
  private final String who;
  private final ScheduledExecutorService scheduler;
  private final Losses losses;

  LeaseKeeper(
      StokerClient client,
      Duration lease,
      Connectivity connectivity,
      String who,
      ScheduledExecutorService scheduler,
      Losses losses) {
    this.client = client;
    this.lease = lease;
    this.connectivity = connectivity;
    this.who = who;
    this.scheduler = scheduler;
    this.losses = losses;
  }

  /** A task for {@code task}, to be heartbeated with this keeper once {@link #keep} is called. */
  Job job(Task task) {
    return new Job(task, lease, client, this);
  }

  /** Heartbeats {@code j} from now on, until its timers are stopped. */
  void keep(Job j) {
    j.heartbeats =
        scheduler.scheduleWithFixedDelay(
            () -> tick(j), j.heartbeatEveryMs, j.heartbeatEveryMs, TimeUnit.MILLISECONDS);
  }

  /**
   * A heartbeat the handler asked for ({@link TaskContext#heartbeat()}, or {@link
   * TaskContext#progress} with a {@code progress}): its errors are the handler's. The timed
   * heartbeats of {@link #keep} send no progress, so the server keeps the last one reported here.
   */
  void heartbeatNow(Job j, Object progress) {
    try {
      client.heartbeat(j.id(), j.token, lease, progress);
      connectivity.up();
    } catch (ProblemException e) {
      if (isLost(e)) {
        lost(j, e);
      }
      throw e;
    }
  }

  private void tick(Job j) {
    if (!j.beating.compareAndSet(false, true)) {
      return; // the last one is still waiting for the server
    }
    Thread.ofVirtual()
        .name("stoker-heartbeat-" + j.id())
        .start(
            () -> {
              try {
                client.heartbeat(j.id(), j.token, lease);
                connectivity.up();
              } catch (ProblemException e) {
                connectivity.up();
                if (isLost(e)) {
                  lost(j, e);
                } else {
                  LOG.log(
                      Level.WARNING,
                      () -> who + ": heartbeat of task " + j.id() + " refused: " + e.getMessage());
                }
              } catch (StokerUnavailableException e) {
                connectivity.down(e);
              } catch (StokerException e) {
                LOG.log(
                    Level.WARNING,
                    () -> who + ": heartbeat of task " + j.id() + " failed: " + e.getMessage());
              } finally {
                j.beating.set(false);
              }
            });
  }

  private static boolean isLost(ProblemException e) {
    return e.status() == 409 || e.isNotFound();
  }

  private void lost(Job j, ProblemException e) {
    j.leaseLost = true;
    j.stopTimers();
    losses.lost(j, e.state());
  }
}
