package dev.stoker.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Sends the completions of a worker's tasks from one thread, in batches: the completions that
 * finish while a request is on its way go together in the next (at most {@link
 * StokerClient#MAX_BATCH}). Each handler waits for its own completion to be answered, so its lease
 * is heartbeated until the server has it.
 *
 * <p>A completion may carry the room its worker has for new tasks: the request then claims that
 * many in the same round trip (docs/api.md#finish-and-claim-in-one-request), and what it claimed,
 * or nothing when the request failed, goes to {@link Next} with the room, so a busy worker makes
 * one request per task (or per batch) rather than a completion and a claim.
 */
final class CompletionBatcher {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  private record Pending(Job job, JsonNode result, int claim, CompletableFuture<Void> done) {}

  /** Where the tasks a completion's claim brought go. */
  @FunctionalInterface
  interface Next {
    /**
     * Takes {@code tasks} (maybe none), claimed for {@code room} slots the worker held for them.
     */
    void claimed(List<Task> tasks, int room);
  }

  private final StokerClient client;
  private final Connectivity connectivity;
  private final String who;
  private final Reporter reporter;
  private final NextClaim claimTemplate;
  private final Next next;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();

  /** Guarded by the monitor of {@link #queue}. */
  private boolean stopped;

  private Thread thread;

  /** {@code claimTemplate} is the claim to make with completions (its max is set per request). */
  CompletionBatcher(
      StokerClient client,
      Connectivity connectivity,
      String who,
      Reporter reporter,
      NextClaim claimTemplate,
      Next next) {
    this.client = client;
    this.connectivity = connectivity;
    this.who = who;
    this.reporter = reporter;
    this.claimTemplate = claimTemplate;
    this.next = next;
  }

  void start(String threadName) {
    thread = Thread.ofVirtual().name(threadName).start(this::sendUntilStopped);
  }

  /**
   * Hands over the completion of {@code j}, with room for {@code claim} new tasks (0: claim
   * nothing); the future completes once the server answered (or the batcher gave up). Null when the
   * batcher has stopped: nothing is sent, nothing claimed.
   */
  CompletableFuture<Void> submit(Job j, JsonNode result, int claim) {
    Pending p = new Pending(j, result, claim, new CompletableFuture<>());
    synchronized (queue) {
      if (stopped) {
        return null;
      }
      queue.add(p);
    }
    return p.done;
  }

  /** Stops after the batch on its way; what is still waiting is not sent (its leases expire). */
  void stop() {
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void sendUntilStopped() {
    List<Pending> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch, StokerClient.MAX_BATCH - 1);
        try {
          send(batch);
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, () -> who + ": unexpected error completing tasks", e);
        } finally {
          batch.forEach(p -> p.done.complete(null));
          batch.clear();
        }
      }
    } catch (InterruptedException e) {
      // stopped
    } finally {
      batch.forEach(p -> p.done.complete(null));
      List<Pending> left = new ArrayList<>();
      synchronized (queue) {
        stopped = true;
        queue.drainTo(left);
      }
      if (!left.isEmpty()) {
        LOG.log(
            Level.WARNING,
            () ->
                who
                    + ": "
                    + left.size()
                    + " completion(s) not sent before the worker closed; "
                    + "those tasks run again when their leases expire");
      }
      left.forEach(p -> p.done.complete(null));
      int room = left.stream().mapToInt(Pending::claim).sum();
      if (room > 0) {
        next.claimed(List.of(), room);
      }
    }
  }

  /**
   * Sends one batch and hands over what its claim brought; the room goes back even when it failed.
   */
  private void send(List<Pending> batch) {
    int room = batch.stream().mapToInt(Pending::claim).sum();
    List<Task> claimed = List.of();
    try {
      claimed = complete(batch, Math.min(StokerClient.MAX_BATCH, room));
    } finally {
      if (room > 0) {
        next.claimed(claimed, room);
      }
    }
  }

  private List<Task> complete(List<Pending> batch, int max) {
    NextClaim claim = max > 0 ? claimTemplate.max(max) : null;
    if (batch.size() == 1) {
      Pending p = batch.get(0);
      if (claim == null) {
        reporter.complete(p.job, p.result);
        return List.of();
      }
      return reporter.completeAndClaim(p.job, p.result, claim);
    }
    List<Completion> cs = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      cs.add(new Completion(p.job.id(), p.job.token, p.result));
    }
    RetryDelay delay = new RetryDelay();
    CompletedBatch done;
    while (true) {
      try {
        done =
            claim == null
                ? new CompletedBatch(client.completeAll(cs), List.of())
                : client.completeAllAndClaim(cs, claim);
        connectivity.up();
        break;
      } catch (StokerUnavailableException e) {
        connectivity.down(e);
        if (!reporter.pause(delay.next())) {
          LOG.log(
              Level.WARNING,
              () ->
                  who
                      + ": giving up completing "
                      + cs.size()
                      + " tasks: the worker is closed "
                      + "and the server unreachable; they run again when their leases expire");
          return List.of();
        }
      } catch (ProblemException e) {
        connectivity.up();
        // One bad completion (a result too large, say) refuses the batch: complete them one by one.
        batch.forEach(p -> reporter.complete(p.job, p.result));
        return List.of();
      } catch (StokerException e) {
        LOG.log(
            Level.WARNING,
            () ->
                who
                    + ": completing "
                    + cs.size()
                    + " tasks failed: "
                    + e.getMessage()
                    + "; they run again when their leases expire");
        return List.of();
      }
    }
    List<CompletionResult> results = done.results();
    for (int i = 0; i < results.size(); i++) {
      CompletionResult r = results.get(i);
      Job j = batch.get(i).job;
      if (r.ok()) {
        LOG.log(Level.DEBUG, () -> who + ": completed task " + j.id());
      } else if (r.alreadyDone()) {
        LOG.log(Level.DEBUG, () -> who + ": task " + j.id() + " was already done");
      } else if (r.status() == 409) {
        LOG.log(
            Level.INFO,
            () ->
                who
                    + ": task "
                    + j.id()
                    + " is "
                    + (r.state() == null ? "finished" : r.state().wireName())
                    + "; its result is dropped");
      } else {
        LOG.log(
            Level.WARNING,
            () ->
                who
                    + ": completion of task "
                    + j.id()
                    + " refused: "
                    + r.status()
                    + " "
                    + r.error());
      }
    }
    return done.next();
  }
}
