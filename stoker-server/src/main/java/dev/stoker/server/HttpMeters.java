package dev.stoker.server;

import dev.stoker.server.RouteTable.Route;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts and times HTTP requests by route (its method and pattern from {@link Api#ROUTES}, never
 * the raw path, so the labels stay few) and status. Each route's timers sit in an array by status,
 * made on first use: recording a request looks nothing up by name.
 */
final class HttpMeters {
  private static final Duration[] BUCKETS =
      Metrics.buckets(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
  private static final int FIRST_STATUS = 100;
  private static final int STATUSES = 500;

  private final MeterRegistry registry;

  /** Filled when made and only read afterwards, so it is safe to share. */
  private final Map<Route, AtomicReferenceArray<Timer>> byRoute = new IdentityHashMap<>();

  private final AtomicReferenceArray<Timer> unmatched = new AtomicReferenceArray<>(STATUSES);

  HttpMeters(MeterRegistry registry) {
    this.registry = registry;
    for (Route r : Api.ROUTES.routes()) {
      byRoute.put(r, new AtomicReferenceArray<>(STATUSES));
    }
  }

  /**
   * Records a request to {@code route} (null: a path no route takes) answered with {@code status}.
   */
  void record(Route route, int status, long nanos) {
    AtomicReferenceArray<Timer> timers = route == null ? unmatched : byRoute.get(route);
    int i = status - FIRST_STATUS;
    if (timers == null || i < 0 || i >= STATUSES) {
      return;
    }
    Timer t = timers.get(i);
    if (t == null) {
      // two requests may make it at once: the registry hands both the same timer
      t = timer(route, status);
      timers.set(i, t);
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(Route route, int status) {
    return Timer.builder("stoker.http.requests")
        .description("HTTP requests by route and status, from the request's arrival to its reply")
        .tag("method", route == null ? "other" : route.method())
        .tag("route", route == null ? "unmatched" : route.pattern())
        .tag("status", Integer.toString(status))
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }
}
