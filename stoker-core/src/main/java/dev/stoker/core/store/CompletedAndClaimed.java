package dev.stoker.core.store;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import java.util.List;

/**
 * What a completion that also claims the next tasks did ({@link TaskStore#taskCompleteAndClaim}).
 *
 * @param outcome the completion's outcome
 * @param claimed the tasks claimed next: empty when the completion was refused (a refused
 *     completion claims nothing) or nothing was claimable within the claim's wait
 */
public record CompletedAndClaimed(Outcome outcome, List<Task> claimed) {
  public CompletedAndClaimed {
    claimed = List.copyOf(claimed);
  }
}
