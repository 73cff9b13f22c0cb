package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A busy worker gets its next task in the reply to its completion, failure or release: one request
 * per task, not a finish and a claim. A scripted server hands out the tasks of a queue to claims
 * and to the claim parts of finishes, and counts which brought them.
 */
class WorkerCompleteAndClaimTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The path of a finish of one task. */
  private static final String FINISH = "/v1/tasks/[^/]+/(complete|fail|release)";

  /** The queue the scripted server hands out, and what took its tasks. */
  private static final class Queue {
    final Deque<String> pending = new ArrayDeque<>();
    final AtomicInteger byClaim = new AtomicInteger();
    final AtomicInteger byFinish = new AtomicInteger();
    final Set<String> done = ConcurrentHashMap.newKeySet();

    /** Tasks failed or released, by the path of the request that did it. */
    final List<String> failedOrReleased = new CopyOnWriteArrayList<>();

    Queue(int n) {
      for (int i = 0; i < n; i++) {
        pending.add("t" + i);
      }
    }

    synchronized String take(int max, AtomicInteger counter) {
      StringBuilder b = new StringBuilder("{\"tasks\":[");
      for (int i = 0; i < max && !pending.isEmpty(); i++) {
        b.append(i > 0 ? "," : "").append(task(pending.poll(), "working"));
        counter.incrementAndGet();
      }
      return b.append("]}").toString();
    }

    StubServer.Answer answer(StubServer.Seen r) throws Exception {
      if (r.path().endsWith("/claim")) {
        return ok(take(JSON.readTree(r.body()).path("max").asInt(1), byClaim));
      }
      if (r.path().equals("/v1/tasks/complete")) {
        JsonNode body = JSON.readTree(r.body());
        StringBuilder results = new StringBuilder("{\"results\":[");
        for (JsonNode c : body.get("tasks")) {
          done.add(c.get("id").asText());
          results
              .append(results.length() > 13 ? "," : "")
              .append("{\"id\":\"")
              .append(c.get("id").asText())
              .append("\",\"status\":200,\"task\":")
              .append(task(c.get("id").asText(), "done"))
              .append("}");
        }
        results.append("]");
        JsonNode claim = body.get("claim");
        if (claim != null) {
          results.append(",\"next\":").append(take(claim.path("max").asInt(1), byFinish));
        }
        return ok(results.append("}").toString());
      }
      if (r.path().matches(FINISH)) {
        String id = r.path().split("/")[3];
        boolean completed = r.path().endsWith("/complete");
        if (completed) {
          done.add(id);
        } else {
          failedOrReleased.add(r.path());
        }
        JsonNode claim = JSON.readTree(r.body()).get("claim");
        String finished = task(id, completed ? "done" : "pending");
        if (claim == null) {
          return ok(finished);
        }
        return ok(
            finished.substring(0, finished.length() - 1)
                + ",\"next\":"
                + take(claim.path("max").asInt(1), byFinish)
                + "}");
      }
      return new StubServer.Answer(404, "application/problem+json", "{\"status\":404}");
    }

    private static StubServer.Answer ok(String body) {
      return new StubServer.Answer(200, "application/json", body);
    }
  }

  /** A task of the scripted queue as the server writes it, with a lease while working. */
  static String task(String id, String state) {
    String t = "2026-01-01T00:00:00Z";
    return "{\"id\":\""
        + id
        + "\",\"queue\":\"q\",\"name\":\"n\",\"params\":null,\"priority\":0,\"run_at\":\""
        + t
        + "\",\"max_attempts\":3,\"attempt\":1,\"state\":\""
        + state
        + "\""
        + (state.equals("working")
            ? ",\"lease\":{\"owner\":\"w\",\"token\":\"tok-"
                + id
                + "\",\"expires_at\":\"2099-01-01T00:00:00Z\"}"
            : "")
        + ",\"created_at\":\""
        + t
        + "\",\"updated_at\":\""
        + t
        + "\"}";
  }

  /** A worker "w" of the scripted queue "q", running every task with {@code handler}. */
  private static Worker.Builder worker(StokerClient client, TaskHandler handler) {
    return Worker.builder(client)
        .queue("q")
        .worker("w")
        .pollWait(Duration.ofSeconds(1))
        .defaultHandler(handler);
  }

  @Test
  void a_busy_worker_claims_once_and_then_only_completes() throws Exception {
    Queue queue = runsThirtyOneAtATime(ctx -> "ok");
    assertThat(queue.done).hasSize(30);
  }

  @Test
  void a_failure_or_release_claims_the_next_task_in_its_own_request() throws Exception {
    Queue queue =
        runsThirtyOneAtATime(
            ctx -> {
              int n = Integer.parseInt(ctx.id().substring(1));
              if (n % 3 == 1) {
                throw new IllegalStateException("failed " + ctx.id());
              }
              if (n % 3 == 2) {
                throw new ReleaseTask("given back");
              }
              return "ok";
            });
    assertThat(queue.failedOrReleased).filteredOn(p -> p.endsWith("/fail")).hasSize(10);
    assertThat(queue.failedOrReleased).filteredOn(p -> p.endsWith("/release")).hasSize(10);
  }

  @Test
  void a_failure_while_the_worker_closes_claims_nothing() throws Exception {
    Queue queue = new Queue(5);
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Worker> self = new AtomicReference<>();
    try (StubServer stub = new StubServer(queue::answer);
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build()) {
      Worker worker =
          worker(
                  client,
                  ctx -> {
                    started.countDown();
                    await().atMost(Duration.ofSeconds(30)).until(() -> !self.get().isRunning());
                    throw new IllegalStateException("failed while closing");
                  })
              .build();
      self.set(worker);
      worker.start();
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      worker.close(); // lets the running handler finish and report
      assertThat(queue.failedOrReleased).containsExactly("/v1/tasks/t0/fail");
      assertThat(stub.seen.stream().filter(s -> s.path().matches(FINISH)))
          .singleElement()
          .satisfies(s -> assertThat(JSON.readTree(s.body()).has("claim")).isFalse());
      assertThat(queue.byFinish.get()).isZero();
    }
  }

  /**
   * Runs the 30 tasks of a scripted queue with {@code handler} on a worker of concurrency 1 and
   * checks that one claim request brought the first task and the finishes brought the others.
   */
  private static Queue runsThirtyOneAtATime(TaskHandler handler) throws Exception {
    Queue queue = new Queue(30);
    try (StubServer stub = new StubServer(queue::answer);
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build();
        Worker worker = worker(client, handler).build().start()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> queue.done.size() + queue.failedOrReleased.size() == 30);
      assertThat(queue.byClaim.get()).as("tasks brought by claim requests").isEqualTo(1);
      assertThat(queue.byFinish.get()).as("tasks brought by finishes").isEqualTo(29);
      assertThat(stub.seen.stream().filter(s -> s.path().matches(FINISH)))
          .hasSize(30)
          .allSatisfy(
              s ->
                  assertThat(JSON.readTree(s.body()).get("claim").toString())
                      .isEqualTo("{\"worker\":\"w\",\"max\":1,\"queue\":\"q\"}"));
    }
    return queue;
  }

  @Test
  void with_concurrency_the_completions_claim_the_room_they_free_and_no_more() throws Exception {
    Queue queue = new Queue(200);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    try (StubServer stub = new StubServer(queue::answer);
        StokerClient client = StokerClient.builder().baseUrl(stub.url()).build();
        Worker worker =
            worker(
                    client,
                    ctx -> {
                      most.accumulateAndGet(running.incrementAndGet(), Math::max);
                      Thread.sleep(2);
                      running.decrementAndGet();
                      return null;
                    })
                .concurrency(4)
                .build()
                .start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> queue.done.size() == 200);
      assertThat(most.get()).isLessThanOrEqualTo(4);
      assertThat(queue.byFinish.get()).as("most tasks came with completions").isGreaterThan(150);
    }
  }
}
