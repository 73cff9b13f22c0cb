package dev.stoker.client;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

/** What a {@link Worker} was built with by its {@link Worker.Builder}, checked there. */
record WorkerConfig(
    String queue,
    String name,
    int concurrency,
    int prefetch,
    Duration lease,
    Duration taskTimeout,
    Duration pollWait,
    Duration shutdownGrace,
    Map<String, TaskHandler> handlers,
    TaskHandler defaultHandler,
    Ticker ticker) {
  WorkerConfig {
    name = name != null ? name : defaultName();
    handlers = Map.copyOf(handlers);
  }

  /** How the worker names itself in its logs. */
  String who() {
    return "worker " + name + " (queue " + queue + ")";
  }

  /** The handler of tasks named {@code taskName}, or null when there is none. */
  TaskHandler handlerOf(String taskName) {
    return handlers.getOrDefault(taskName, defaultHandler);
  }

  /** How many tasks the worker holds at most: running and prefetched. */
  int capacity() {
    return concurrency + prefetch;
  }

  private static String defaultName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = System.getenv().getOrDefault("HOSTNAME", "worker");
    }
    return host + "-" + ProcessHandle.current().pid();
  }
}
