package dev.stoker.client;

import java.util.List;

/**
 * What a finish that claimed in the same request answered.
 *
 * @param task the finished task (done, pending again, or dead)
 * @param next the tasks the claim part claimed, each working under a lease for the claiming worker;
 *     empty when nothing was claimable
 */
public record Finished(Task task, List<Task> next) {
  /**
   * Copies the list of next tasks.
   *
   * @param task the task
   * @param next the next tasks
   */
  public Finished {
    next = List.copyOf(next);
  }
}
