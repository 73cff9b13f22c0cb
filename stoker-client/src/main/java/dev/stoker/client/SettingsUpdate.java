package dev.stoker.client;

import java.time.Duration;

/**
 * A change to some of a queue's settings, for {@link StokerClient#updateSettings}: only the fields
 * that are set (not null) are sent and changed. Built with withers from {@link #create()}.
 *
 * <pre>{@code
 * client.updateSettings("emails", SettingsUpdate.create().lease(Duration.ofMinutes(2)).maxAttempts(5));
 * }</pre>
 *
 * @param lease the default lease of claims, or null to leave it
 * @param maxAttempts the default attempts of tasks, or null to leave it
 * @param backoffInitial the retry delay after the first failure, or null to leave it
 * @param backoffMultiplier the growth of the retry delay per failure (1.0–100.0), or null to leave
 *     it
 * @param backoffMax the largest retry delay, or null to leave it
 * @param retention how long finished tasks are kept, or null to leave it
 * @param paused whether claims get nothing, or null to leave it
 */
public record SettingsUpdate(
    Duration lease,
    Integer maxAttempts,
    Duration backoffInitial,
    Double backoffMultiplier,
    Duration backoffMax,
    Duration retention,
    Boolean paused) {

  /**
   * A change of nothing, to add to with the withers.
   *
   * @return an empty change
   */
  public static SettingsUpdate create() {
    return new SettingsUpdate(null, null, null, null, null, null, null);
  }

  /**
   * Also sets the default lease of claims.
   *
   * @param value the lease
   * @return a copy with this change
   */
  public SettingsUpdate lease(Duration value) {
    return new SettingsUpdate(
        value, maxAttempts, backoffInitial, backoffMultiplier, backoffMax, retention, paused);
  }

  /**
   * Also sets the default attempts of tasks.
   *
   * @param value the attempts
   * @return a copy with this change
   */
  public SettingsUpdate maxAttempts(int value) {
    return new SettingsUpdate(
        lease, value, backoffInitial, backoffMultiplier, backoffMax, retention, paused);
  }

  /**
   * Also sets the retry delay after the first failure.
   *
   * @param value the delay
   * @return a copy with this change
   */
  public SettingsUpdate backoffInitial(Duration value) {
    return new SettingsUpdate(
        lease, maxAttempts, value, backoffMultiplier, backoffMax, retention, paused);
  }

  /**
   * Also sets the growth of the retry delay per failure.
   *
   * @param value the multiplier, 1.0–100.0
   * @return a copy with this change
   */
  public SettingsUpdate backoffMultiplier(double value) {
    return new SettingsUpdate(
        lease, maxAttempts, backoffInitial, value, backoffMax, retention, paused);
  }

  /**
   * Also sets the largest retry delay.
   *
   * @param value the delay
   * @return a copy with this change
   */
  public SettingsUpdate backoffMax(Duration value) {
    return new SettingsUpdate(
        lease, maxAttempts, backoffInitial, backoffMultiplier, value, retention, paused);
  }

  /**
   * Also sets the whole backoff.
   *
   * @param initial the retry delay after the first failure
   * @param multiplier the growth per failure
   * @param max the largest retry delay
   * @return a copy with this change
   */
  public SettingsUpdate backoff(Duration initial, double multiplier, Duration max) {
    return new SettingsUpdate(lease, maxAttempts, initial, multiplier, max, retention, paused);
  }

  /**
   * Also sets how long finished tasks are kept.
   *
   * @param value the retention
   * @return a copy with this change
   */
  public SettingsUpdate retention(Duration value) {
    return new SettingsUpdate(
        lease, maxAttempts, backoffInitial, backoffMultiplier, backoffMax, value, paused);
  }

  /**
   * Also pauses or resumes the queue.
   *
   * @param value true to pause, false to resume
   * @return a copy with this change
   */
  public SettingsUpdate paused(boolean value) {
    return new SettingsUpdate(
        lease, maxAttempts, backoffInitial, backoffMultiplier, backoffMax, retention, value);
  }
}
