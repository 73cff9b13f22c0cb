package dev.stoker.cluster;

import dev.stoker.core.store.SettingsPatch;
import java.util.Objects;

/**
 * What a {@link Event.Kind#SETTINGS} event carries: the queue, and the fields of its settings one
 * {@code PUT /v1/queues/{queue}} set (the others are null: that change did not touch them).
 */
public record SettingsChange(String queue, SettingsPatch patch) {
  public SettingsChange {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(patch, "patch");
  }
}
