package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** A claimed task while a worker holds it: its lease, its handler thread, and who settles it. */
final class Job implements TaskContext {
  private final Task task;
  private final StokerClient client;
  private final LeaseKeeper keeper;
  final String token;
  final long heartbeatEveryMs;

  /**
   * Set by whoever decides the outcome first: the handler's return, a timeout, a lost lease,
   * shutdown.
   */
  private final AtomicBoolean settled = new AtomicBoolean();

  /** Whether a heartbeat is on its way to the server. */
  final AtomicBoolean beating = new AtomicBoolean();

  volatile boolean leaseLost;
  volatile Thread thread;
  volatile ScheduledFuture<?> heartbeats;
  volatile ScheduledFuture<?> timeout;

  /** {@code configuredLease}: the worker's lease, or null for the one the server granted. */
  Job(Task task, Duration configuredLease, StokerClient client, LeaseKeeper keeper) {
    this.task = task;
    this.client = client;
    this.keeper = keeper;
    this.token = task.lease().token();
    this.heartbeatEveryMs = Math.max(10, leaseMillis(task, configuredLease) / 3);
  }

  /**
   * How long a claimed task's lease is, by the server's clock (skew-free): expires_at − updated_at.
   */
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

  /** Decides the outcome; false when someone else decided it first. */
  boolean settle() {
    return settled.compareAndSet(false, true);
  }

  boolean isSettled() {
    return settled.get();
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
    return client.decode(task.params(), type);
  }

  @Override
  public boolean leaseLost() {
    return leaseLost;
  }

  @Override
  public void heartbeat() {
    keeper.heartbeatNow(this, null);
  }

  @Override
  public void progress(Object progress) {
    keeper.heartbeatNow(this, java.util.Objects.requireNonNull(progress, "progress"));
  }

  @Override
  public String toString() {
    return "TaskContext[" + task.id() + " " + task.name() + " attempt " + task.attempt() + "]";
  }
}
