package dev.stoker.core.store;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one port every backend implements: the operations of the HTTP API, on validated input.
 *
 * <p>Every write is durable before the method returns (synced to disk, or committed by the
 * backend): a caller may acknowledge it to its client at once. Methods block; call them from
 * virtual threads.
 *
 * <p>What reads ({@link #taskGet}, {@link #taskList}, {@link #queueGet}, {@link #queueList}) show:
 *
 * <ul>
 *   <li>every write that was acknowledged (whose method returned) before the read began;
 *   <li>each write whole or not at all: a batch enqueue, and the counts that follow it, never
 *       halfway;
 *   <li>possibly also a write that is not acknowledged yet. The embedded store's writes are
 *       readable once they are in its write-ahead log, before the sync its acknowledgement waits
 *       for (its syncer is a second stage, docs/storage.md); PostgreSQL's once committed, a moment
 *       before the method returns. A write that then fails ({@link StoreUnavailableException}: the
 *       sync failed) may have been seen and still be lost in a crash. So only an acknowledgement
 *       says a write is durable, never a read.
 * </ul>
 *
 * The conformance suite pins all three, so a backend may show writes early or not, but no later
 * than their acknowledgement and never in part. One thing may show earlier still: a queue that a
 * write creates (its first enqueue or settings change) may be listed by {@link #queueList} and
 * {@link #queueGet}, empty, before that write is acknowledged, and stay listed if the write then
 * fails. Refusals that a client must handle (unknown task, stale token, finished task, ...) come
 * back as {@link Outcome} values; a backend that cannot serve (disk error, database down) throws
 * {@link StoreUnavailableException}. Every backend runs the same conformance suite
 * (stoker-testkit).
 */
public interface TaskStore extends AutoCloseable {

  /**
   * Enqueues tasks into one queue, all or nothing. A spec whose {@code unique_key} names a live
   * task of the queue enqueues nothing and returns that task with {@code duplicate = true}.
   */
  List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs);

  /**
   * Claims up to {@code max} claimable tasks, in order (priority desc, run_at, id). When none is
   * claimable it waits up to {@code waitMs} for one and returns as soon as it has at least one.
   * Returns an empty list when the wait ends with nothing, or when the queue is paused.
   */
  List<Task> taskClaimMany(ClaimParams params);

  /**
   * Extends the lease of the current claim; {@code leaseMs} null means the queue's lease. A {@code
   * progressJson} (JSON text, its size checked) replaces the claim's progress; null keeps the last
   * one. Like the lease's expiry, the progress is not a transition: the version stays.
   */
  Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson);

  /** A heartbeat that reports no progress (keeps the last one). */
  default Outcome taskHeartbeat(TaskId id, String token, Long leaseMs) {
    return taskHeartbeat(id, token, leaseMs, null);
  }

  /** Completes a task (from working or pending, with any token of the task). */
  Outcome taskComplete(TaskId id, String token, String resultJson);

  /**
   * Completes a task as {@link #taskComplete} does and then, only if that succeeded, claims as
   * {@link #taskClaimMany} does with the params {@code next} gives for the completed task's queue
   * (a finish-and-claim request). The completion is durable before the method returns, whatever the
   * claim does; a claim that fails after it throws as {@link #taskClaimMany} would. The default is
   * those two calls one after the other; a store may make both in one write (the etcd store puts
   * the completion in the transaction that claims for this request).
   */
  default CompletedAndClaimed taskCompleteAndClaim(
      TaskId id, String token, String resultJson, Function<String, ClaimParams> next) {
    Outcome o = taskComplete(id, token, resultJson);
    if (!(o instanceof Outcome.Ok ok)) {
      return new CompletedAndClaimed(o, List.of());
    }
    return new CompletedAndClaimed(o, taskClaimMany(next.apply(ok.task().queue())));
  }

  /** Completes many tasks in one durable write; one outcome per completion, in order. */
  List<Outcome> taskCompleteMany(List<Completion> completions);

  /** Fails the current claim: pending again after a backoff, or dead. */
  Outcome taskFail(FailParams params);

  /** Releases the current claim: pending again after {@code delayMs}, the attempt not counted. */
  Outcome taskRelease(TaskId id, String token, long delayMs);

  /** Cancels a pending or working task. */
  Outcome taskCancel(TaskId id);

  /**
   * Retries one dead or cancelled task: pending now, with its attempts reset, as {@link
   * #queueRedrive} moves a dead task. Refused, changing nothing, for a task in any other state
   * ({@link Outcome.NotRetryable}) and for one whose {@code unique_key} a live task of the queue
   * holds ({@link Outcome.KeyHeld}).
   */
  Outcome taskRetry(TaskId id);

  /**
   * Moves up to {@code limit} dead tasks of the queue, oldest id first, back to pending. A dead
   * task whose {@code unique_key} a live task of the queue holds (one this redrive just moved
   * included) would make two live tasks with one key: it stays dead, is passed over without
   * counting toward {@code limit}, and is counted in {@link RedriveResult#skipped()} (those older
   * than the last task moved, or all of them when fewer than {@code limit} moved). So a held key
   * never stops the redrive of the tasks behind it.
   */
  RedriveResult queueRedrive(String queue, int limit);

  Optional<Task> taskGet(TaskId id);

  /** A page of a queue's tasks in id order, optionally filtered by state and name. */
  Page taskList(ListParams params);

  /** A queue's counts and settings; a queue never used reads as all zeros with default settings. */
  QueueInfo queueGet(String queue);

  /** Every queue that has been used or configured, by name. */
  List<QueueInfo> queueList();

  /** Changes some of a queue's settings; returns the settings after the change. */
  QueueSettings queueUpdate(String queue, SettingsPatch patch);

  /**
   * Reports to {@code observer} from now on what the store does beyond its replies (see {@link
   * StoreObserver}), and, in a store that several servers share, the transitions the other servers
   * make ({@link StoreObserver#madeElsewhere}); it replaces the observer set before. A store that
   * never expires leases on its own nor syncs, and that one server owns, may ignore it, as the
   * default does.
   */
  default void observe(StoreObserver observer) {}

  /**
   * Prepares for shutdown: every waiting claim returns now (empty) and later claims do not wait.
   * Everything else keeps working until {@link #close()}. A store whose claims never wait has
   * nothing to do here.
   */
  default void drain() {}

  /** Flushes and releases everything; in-flight calls finish first. */
  @Override
  void close();
}
