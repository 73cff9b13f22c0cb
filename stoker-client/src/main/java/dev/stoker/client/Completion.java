package dev.stoker.client;

import java.util.Objects;

/**
 * One completion of a {@link StokerClient#completeAll(java.util.List) batch}.
 *
 * @param id the task's id
 * @param token the lease token of the claim
 * @param result the result, any value the client's {@code ObjectMapper} can serialise, or null for
 *     none
 */
public record Completion(String id, String token, Object result) {
  /**
   * Checks that the id and the token are given.
   *
   * @param id the id
   * @param token the token
   * @param result the result
   */
  public Completion {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(token, "token");
  }

  /**
   * The completion of a claimed task, with the token of its lease.
   *
   * @param task a task returned by a claim
   * @param result the result, or null
   * @return the completion
   * @throws IllegalArgumentException when the task has no lease token (it was not returned by a
   *     claim or heartbeat)
   */
  public static Completion of(Task task, Object result) {
    if (task.lease() == null || task.lease().token() == null) {
      throw new IllegalArgumentException(
          "task "
              + task.id()
              + " carries no lease token: complete a task as a "
              + "claim or heartbeat returned it");
    }
    return new Completion(task.id(), task.lease().token(), result);
  }
}
