package dev.stoker.core.store;

import dev.stoker.core.Backoff;
import dev.stoker.core.Limits;
import dev.stoker.core.QueueSettings;

/** A change to some of a queue's settings; null fields stay as they are. */
public record SettingsPatch(
    Long leaseMs,
    Integer maxAttempts,
    Long backoffInitialMs,
    Double backoffMultiplier,
    Long backoffMaxMs,
    Long retentionMs,
    Boolean paused) {

  /** The settings after this change, checked against {@link Limits}. */
  public QueueSettings applyTo(QueueSettings s) {
    Backoff b = s.backoff();
    Backoff backoff =
        new Backoff(
            backoffInitialMs != null ? backoffInitialMs : b.initialMs(),
            backoffMultiplier != null ? backoffMultiplier : b.multiplier(),
            backoffMaxMs != null ? backoffMaxMs : b.maxMs());
    return Limits.check(
        new QueueSettings(
            leaseMs != null ? leaseMs : s.leaseMs(),
            maxAttempts != null ? maxAttempts : s.maxAttempts(),
            backoff,
            retentionMs != null ? retentionMs : s.retentionMs(),
            paused != null ? paused : s.paused()));
  }
}
