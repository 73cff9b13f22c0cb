package dev.stoker.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The counters of one queue, made once and kept, so counting a task costs no lookup by name. */
final class QueueMeters {
  final Counter enqueued;
  final Counter claimed;
  final Counter completed;
  final Counter failed;
  final Counter leaseExpirations;

  QueueMeters(MeterRegistry registry, String queue) {
    enqueued =
        counter(
            registry,
            "stoker.tasks.enqueued",
            "tasks enqueued (duplicates of a unique key not counted)",
            queue);
    claimed = counter(registry, "stoker.tasks.claimed", "tasks handed out by claims", queue);
    completed = counter(registry, "stoker.tasks.completed", "tasks completed (made done)", queue);
    failed =
        counter(
            registry,
            "stoker.tasks.failed",
            "failures reported by workers (retried or dead)",
            queue);
    leaseExpirations =
        counter(
            registry,
            "stoker.lease.expirations",
            "claims whose lease ran out, ended by the store",
            queue);
  }

  private static Counter counter(MeterRegistry registry, String name, String help, String queue) {
    return Counter.builder(name).description(help).tag("queue", queue).register(registry);
  }
}
