package dev.stoker.client;

import java.util.List;

/**
 * What a batch completion that claimed in the same request answered.
 *
 * @param results one result per completion, in order
 * @param next the tasks the claim part claimed (after every completion of the batch), each working
 *     under a lease for the claiming worker; empty when nothing was claimable
 */
public record CompletedBatch(List<CompletionResult> results, List<Task> next) {
  /**
   * Copies the lists.
   *
   * @param results the results
   * @param next the next tasks
   */
  public CompletedBatch {
    results = List.copyOf(results);
    next = List.copyOf(next);
  }
}
