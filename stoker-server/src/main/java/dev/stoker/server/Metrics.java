package dev.stoker.server;

import dev.stoker.core.Hlc;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.Task;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.StoreCounters;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Prometheus metrics (docs/observability.md): task counters per queue and timings from
 * {@link ObservedStore}, queue sizes read from the store on each scrape, HTTP requests from {@link
 * HttpMeters}, and the JVM's. Counting costs no lock and no string building: a queue's counters are
 * made once and found by its name.
 */
final class Metrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * The most queues whose sizes a scrape reports, so a store with very many queues cannot flood
   * Prometheus.
   */
  static final int MAX_QUEUES_REPORTED = 1_000;

  private static final Duration[] TASK_BUCKETS =
      buckets(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600);

  /** The AP cluster's replication lag: its targets are 5 ms at p50 and 50 ms at p99. */
  private static final Duration[] LAG_BUCKETS =
      buckets(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600);

  private static final Duration[] SYNC_BUCKETS =
      buckets(
          0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
          10);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, QueueMeters> queues = new ConcurrentHashMap<>();

  private final Timer pickup;
  private final Timer run;
  private final Timer sync;
  private final MultiGauge queueTasks;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final HttpMeters http;

  Metrics() {
    pickup =
        Timer.builder("stoker.claim.pickup")
            .description("from when a task could be claimed (run_at, or enqueue) to its claim")
            .serviceLevelObjectives(TASK_BUCKETS)
            .register(registry);
    run =
        Timer.builder("stoker.task.run")
            .description("from a claim to its completion, for the completions this server applied")
            .serviceLevelObjectives(TASK_BUCKETS)
            .register(registry);
    sync =
        Timer.builder("stoker.store.sync")
            .description(
                "one sync of the store's writes to stable storage: the embedded store's WAL fsync, a "
                    + "PostgreSQL commit, an etcd transaction")
            .serviceLevelObjectives(SYNC_BUCKETS)
            .register(registry);
    queueTasks =
        MultiGauge.builder("stoker.queue.tasks")
            .description("tasks in a queue by state, as the store counts them at scrape time")
            .register(registry);
    http = new HttpMeters(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /**
   * Publishes the counters {@code store} keeps of its own, if it has any (e.g. the etcd store's
   * claim conflicts).
   */
  void countersOf(TaskStore store) {
    if (store instanceof StoreCounters own) {
      for (StoreCounters.Counter c : own.counters()) {
        // The store is the meter's (weakly held) state: it lives as long as the server.
        FunctionCounter.builder(c.name(), store, s -> c.value().getAsLong())
            .description(c.description())
            .register(registry);
      }
    }
  }

  /**
   * A node of an AP cluster: the work it found handed out twice, by cause
   * (docs/backends/cluster.md).
   */
  void cluster(ClusterEndpoint node) {
    Timer lag =
        Timer.builder("stoker.cluster.replication.lag")
            .description(
                "from an event's HLC stamp on its origin to its being applied on this node, for"
                    + " every event a peer sent that was new here")
            .serviceLevelObjectives(LAG_BUCKETS)
            .register(registry);
    node.recordLagWith(ms -> lag.record(ms, java.util.concurrent.TimeUnit.MILLISECONDS));
    FunctionCounter.builder("stoker.cluster.received.bytes", node, ClusterEndpoint::receivedBytes)
        .description("bytes of the exchanges this node received from its peers, frames included")
        .register(registry);
    FunctionCounter.builder("stoker.cluster.received.events", node, ClusterEndpoint::receivedEvents)
        .description("events from peers that were new on this node")
        .register(registry);
    FunctionCounter.builder("stoker.cluster.exchanges", node, ClusterEndpoint::exchangesServed)
        .description("exchanges peers sent this node, each answered once")
        .register(registry);
    for (String cause : node.duplicates().keySet()) {
      io.micrometer.core.instrument.FunctionCounter.builder(
              "stoker.cluster.duplicates", node, n -> n.duplicates().getOrDefault(cause, 0L))
          .description(
              "tasks this node found handed out twice, by cause (a)-(e) of docs/backends/cluster.md")
          .tag("cause", cause)
          .register(registry);
    }
    for (String result : node.forwardedClaims().keySet()) {
      io.micrometer.core.instrument.FunctionCounter.builder(
              "stoker.cluster.forwarded.claims",
              node,
              n -> n.forwardedClaims().getOrDefault(result, 0L))
          .description(
              "claims this node sent on to a peer with ready tasks, by result (tasks, empty, failed)")
          .tag("result", result)
          .register(registry);
    }
  }

  HttpMeters http() {
    return http;
  }

  QueueMeters queue(String name) {
    QueueMeters m = queues.get(name);
    return m != null ? m : queues.computeIfAbsent(name, q -> new QueueMeters(registry, q));
  }

  /** Records how long {@code task}, just claimed, waited to be. */
  void claimed(Task task) {
    pickup.record(
        Math.max(0, task.updatedAt() - Math.max(task.runAt(), task.createdAt())),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Records the run of the claim that the store's lease token {@code token} names, now that it
   * completed {@code done}. The token holds the version the claim made, whose HLC time is the
   * claim's: so whichever server handed the claim out, nothing needs remembering between the two.
   */
  void settled(String token, Task done) {
    LeaseToken claim = LeaseToken.tryParse(token);
    if (claim != null && claim.hlc() != 0) {
      long claimedAt = Hlc.physicalMillis(claim.hlc());
      run.record(Math.max(0, done.updatedAt() - claimedAt), TimeUnit.MILLISECONDS);
    }
  }

  /** Records one sync of the store that took {@code nanos}. */
  void synced(long nanos) {
    sync.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The metrics in Prometheus' text format, the queue sizes read from {@code store} now. */
  String scrape(TaskStore store) {
    refreshQueueSizes(store);
    return registry.scrape();
  }

  private void refreshQueueSizes(TaskStore store) {
    List<QueueInfo> all;
    try {
      all = store.queueList();
    } catch (StoreUnavailableException e) {
      log.debug("queue sizes not refreshed: {}", e.getMessage());
      return;
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (QueueInfo q : all.subList(0, Math.min(all.size(), MAX_QUEUES_REPORTED))) {
      QueueCounts c = q.counts();
      rows.add(row(q.name(), "pending", c.pending()));
      rows.add(row(q.name(), "scheduled", c.scheduled()));
      rows.add(row(q.name(), "working", c.working()));
      rows.add(row(q.name(), "done", c.done()));
      rows.add(row(q.name(), "dead", c.dead()));
      rows.add(row(q.name(), "cancelled", c.cancelled()));
    }
    queueTasks.register(rows, true);
  }

  private static MultiGauge.Row<?> row(String queue, String state, long count) {
    return MultiGauge.Row.of(Tags.of("queue", queue, "state", state), count);
  }

  /** Histogram buckets at these many seconds. */
  static Duration[] buckets(double... values) {
    Duration[] d = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
    }
    return d;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
