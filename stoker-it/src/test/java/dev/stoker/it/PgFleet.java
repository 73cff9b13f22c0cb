package dev.stoker.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stoker servers over one PostgreSQL database (or one etcd cluster), and workers spread across them
 * that record every claim. A worker claims a batch, completes it in one request (through the next
 * server with {@link #completeThroughNext}), and goes on until every task is done. When its server
 * is gone (killed), it drops the tasks it holds, as a worker that died with it would, and moves to
 * the next server; when its server answers 503 (database down), it retries the same request.
 */
final class PgFleet implements AutoCloseable {
  final List<StokerProcess> servers = new ArrayList<>();
  final List<Http> https = new ArrayList<>();

  /** Every claim, by task id. */
  final ConcurrentHashMap<String, AtomicInteger> claims = new ConcurrentHashMap<>();

  /**
   * Tasks whose completion this run saw acknowledged (200), or found done by someone else (409
   * done).
   */
  final Set<String> done = ConcurrentHashMap.newKeySet();

  /**
   * Tasks a worker dropped because its server died while it held them, their completion sent or not
   * (then counted {@link #done} once read back done).
   */
  final Set<String> abandoned = ConcurrentHashMap.newKeySet();

  final Set<Integer> killed = ConcurrentHashMap.newKeySet();
  final AtomicInteger unavailableReplies = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  /** Whether workers complete through the server after the one they claimed from. */
  volatile boolean completeThroughNext;

  PgFleet(String pgUrl, String schema, int n) throws IOException {
    this(startAll(n, () -> StokerProcess.startOnPostgres(pgUrl, schema)));
  }

  /** A fleet of servers already started over one shared backend. */
  PgFleet(List<StokerProcess> started) {
    for (StokerProcess s : started) {
      servers.add(s);
      https.add(new Http(s.url()));
    }
  }

  interface Starter {
    StokerProcess start() throws IOException;
  }

  static List<StokerProcess> startAll(int n, Starter starter) throws IOException {
    List<StokerProcess> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      started.add(starter.start());
    }
    return started;
  }

  /** Enqueues {@code n} tasks in batches of 1000, spread over the servers; returns their ids. */
  List<String> enqueue(String queue, int n) throws Exception {
    List<Future<List<String>>> batches = new ArrayList<>();
    for (int start = 0; start < n; start += 1000) {
      int from = start;
      int to = Math.min(n, start + 1000);
      int server = (from / 1000) % https.size();
      batches.add(
          pool.submit(
              () -> {
                StringBuilder body = new StringBuilder("{\"tasks\":[");
                for (int i = from; i < to; i++) {
                  body.append(i == from ? "" : ",")
                      .append("{\"name\":\"n\",\"params\":{\"i\":")
                      .append(i)
                      .append("}}");
                }
                JsonNode reply =
                    postThrough(
                            server,
                            "/v1/queues/" + queue + "/tasks",
                            body.append("]}").toString(),
                            201)
                        .body();
                List<String> ids = new ArrayList<>(to - from);
                reply.get("tasks").forEach(t -> ids.add(t.get("id").asText()));
                return ids;
              }));
    }
    List<String> ids = new ArrayList<>(n);
    for (Future<List<String>> f : batches) {
      ids.addAll(f.get(5, TimeUnit.MINUTES));
    }
    return ids;
  }

  /**
   * Starts {@code count} workers on the queue, worker w on server w mod n, until {@code total}
   * tasks are done.
   */
  List<Future<?>> startWorkers(String queue, int count, long leaseMs, int total) {
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < count; w++) {
      int id = w;
      workers.add(
          pool.submit(
              () -> {
                work(queue, "w-" + id, id % servers.size(), leaseMs, total);
                return null;
              }));
    }
    return workers;
  }

  private void work(String queue, String worker, int server, long leaseMs, int total)
      throws Exception {
    String claim =
        "{\"worker\":\"" + worker + "\",\"max\":8,\"lease_ms\":" + leaseMs + ",\"wait_ms\":500}";
    while (done.size() < total) {
      server = alive(server);
      Http.Reply r = postThrough(server, "/v1/queues/" + queue + "/claim", claim, 200);
      if (r == null) {
        continue; // the server was killed: go to the next
      }
      List<String> held = new ArrayList<>();
      StringBuilder body = new StringBuilder("{\"tasks\":[");
      for (JsonNode t : r.at("/tasks")) {
        String id = t.get("id").asText();
        claims.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        held.add(id);
        body.append(held.size() == 1 ? "" : ",")
            .append("{\"id\":\"")
            .append(id)
            .append("\",\"token\":\"")
            .append(t.at("/lease/token").asText())
            .append("\"}");
      }
      if (!held.isEmpty()) {
        complete(
            completeThroughNext ? alive((server + 1) % servers.size()) : server,
            held,
            body.append("]}").toString());
      } else if (!abandoned.isEmpty()) {
        settleAbandoned();
      }
    }
  }

  /**
   * A completion sent to a server that died before replying may have been stored: nobody will claim
   * those tasks again, so read each back from a live server and count it done if it is.
   */
  private void settleAbandoned() throws Exception {
    for (String id : List.copyOf(abandoned)) {
      if (!done.contains(id)) {
        Http.Reply r = https.get(alive(0)).get("/v1/tasks/" + id);
        if (r.status() == 200 && "done".equals(r.at("/state").asText())) {
          done.add(id);
        }
      }
    }
  }

  /** Completes what the worker holds, riding out 503s; drops it if the server dies meanwhile. */
  private void complete(int server, List<String> held, String body) throws Exception {
    Http.Reply r = postThrough(server, "/v1/tasks/complete", body, 200);
    if (r == null) {
      abandoned.addAll(held);
      return;
    }
    for (JsonNode res : r.at("/results")) {
      int status = res.get("status").asInt();
      boolean doneElsewhere = status == 409 && "done".equals(res.path("state").asText());
      if (status != 200 && !doneElsewhere) {
        throw new IllegalStateException("completion refused: " + res);
      }
      done.add(res.get("id").asText());
    }
  }

  /**
   * Posts until the server answers {@code expected}, riding out 503s (database down) and refused
   * connections; null once the server is marked killed.
   */
  private Http.Reply postThrough(int server, String path, String body, int expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!killed.contains(server)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(path + " never answered " + expected);
      }
      Http.Reply r;
      try {
        r = https.get(server).post(path, body);
      } catch (IOException e) {
        pause();
        continue;
      }
      if (r.status() == 503) {
        unavailableReplies.incrementAndGet();
        pause();
      } else if (r.status() == expected) {
        return r;
      } else {
        throw new IllegalStateException(path + " answered " + r.status() + ": " + r.body());
      }
    }
    return null;
  }

  private int alive(int server) {
    int s = server;
    while (killed.contains(s)) {
      s = (s + 1) % servers.size();
    }
    return s;
  }

  /** SIGKILLs server {@code i}; its workers move on. */
  void kill(int i) throws InterruptedException {
    killed.add(i);
    servers.get(i).kill();
  }

  /** The queue's counts, read from the first live server. */
  Map<String, Integer> counts(String queue) throws Exception {
    JsonNode c = https.get(alive(0)).get("/v1/queues/" + queue).at("/counts");
    Map<String, Integer> out = new HashMap<>();
    c.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asInt()));
    return out;
  }

  /** Waits for the workers, failing after {@code within}. */
  static void await(List<Future<?>> workers, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    for (Future<?> f : workers) {
      f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
  }

  private static void pause() throws InterruptedException {
    Thread.sleep(100);
  }

  @Override
  public void close() throws Exception {
    pool.shutdownNow();
    for (StokerProcess s : servers) {
      s.close();
    }
  }
}
