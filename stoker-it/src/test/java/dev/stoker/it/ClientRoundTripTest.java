package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.stoker.client.Completion;
import dev.stoker.client.CompletionResult;
import dev.stoker.client.ProblemException;
import dev.stoker.client.QueueInfo;
import dev.stoker.client.QueueSettings;
import dev.stoker.client.SettingsUpdate;
import dev.stoker.client.StokerClient;
import dev.stoker.client.StokerUnavailableException;
import dev.stoker.client.Task;
import dev.stoker.client.TaskPage;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every operation of {@link StokerClient} against a real server: one process for the class, one
 * queue per test.
 */
class ClientRoundTripTest {
  @RegisterExtension static final ServerExtension server = new ServerExtension();
  static StokerClient client;

  /** A params type, to check that records go through the client's mapper both ways. */
  record Welcome(String to, int times) {}

  @BeforeAll
  static void start() {
    client =
        StokerClient.builder()
            .baseUrl(server.url())
            .token("test-token")
            .requestTimeout(Duration.ofSeconds(20))
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
  }

  @Test
  void enqueue_sends_every_field_of_a_request_and_reads_every_field_of_the_task() {
    Instant before = Instant.now();
    Task t =
        client.enqueue(
            "rt-enqueue",
            TaskRequest.of("send_welcome")
                .params(new Welcome("ada@example.com", 2))
                .priority(7)
                .delay(Duration.ofHours(1))
                .uniqueKey("welcome:ada")
                .maxAttempts(4));
    assertThat(t.id()).hasSize(26);
    assertThat(t.queue()).isEqualTo("rt-enqueue");
    assertThat(t.name()).isEqualTo("send_welcome");
    assertThat(t.params(Welcome.class)).isEqualTo(new Welcome("ada@example.com", 2));
    assertThat(t.params().get("to").asText()).isEqualTo("ada@example.com");
    assertThat(t.priority()).isEqualTo(7);
    assertThat(t.runAt())
        .isCloseTo(before.plus(Duration.ofHours(1)), within(30, ChronoUnit.SECONDS));
    assertThat(t.uniqueKey()).isEqualTo("welcome:ada");
    assertThat(t.maxAttempts()).isEqualTo(4);
    assertThat(t.attempt()).isZero();
    assertThat(t.state()).isEqualTo(TaskState.PENDING);
    assertThat(t.lease()).isNull();
    assertThat(t.result()).isNull();
    assertThat(t.lastError()).isNull();
    assertThat(t.createdAt()).isEqualTo(t.updatedAt());
    assertThat(t.duplicate()).isFalse();

    Task again =
        client.enqueue("rt-enqueue", TaskRequest.of("send_welcome").uniqueKey("welcome:ada"));
    assertThat(again.duplicate()).isTrue();
    assertThat(again.id()).isEqualTo(t.id());

    Instant at = Instant.parse("2021-06-01T12:00:00.123Z");
    Task raw =
        client.enqueue(
            "rt-enqueue",
            TaskRequest.of("raw").paramsJson("{\"n\": 12345678901234567890}").runAt(at));
    assertThat(raw.params().get("n").bigIntegerValue()).hasToString("12345678901234567890");
    assertThat(raw.runAt()).isEqualTo(at);
    assertThat(raw.maxAttempts()).as("the queue's default").isEqualTo(10);

    Task none = client.enqueue("rt-enqueue", "no_params", null);
    assertThat(none.params().isNull()).isTrue();
    assertThat(client.task(t.id())).contains(t);
  }

  @Test
  void
      enqueue_all_splits_into_batches_keeps_the_order_and_names_a_refused_field_by_its_index_in_the_list() {
    List<TaskRequest> requests = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      requests.add(TaskRequest.of("job-" + i).params(Map.of("i", i)));
    }
    List<Task> tasks = client.enqueueAll("rt-batch", requests);
    assertThat(tasks).hasSize(2_500);
    for (int i = 0; i < tasks.size(); i++) {
      assertThat(tasks.get(i).name()).isEqualTo("job-" + i);
      assertThat(tasks.get(i).params().get("i").asInt()).isEqualTo(i);
    }
    assertThat(new HashSet<>(tasks.stream().map(Task::id).toList())).hasSize(2_500);
    assertThat(client.queue("rt-batch").counts().pending()).isEqualTo(2_500);
    assertThat(client.enqueueAll("rt-batch", List.of())).isEmpty();

    // The second batch (1000..1999) holds a bad task: the first batch stays, the second and third
    // do not.
    List<TaskRequest> bad = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      bad.add(i == 1_500 ? TaskRequest.of("x".repeat(300)) : TaskRequest.of("ok"));
    }
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> client.enqueueAll("rt-batch-bad", bad));
    assertThat(e.status()).isEqualTo(422);
    assertThat(e.field()).isEqualTo("tasks[1500].name");
    assertThat(client.queue("rt-batch-bad").counts().pending()).isEqualTo(1_000);
  }

  @Test
  void claim_heartbeat_complete_fail_release_and_complete_all_round_trip() {
    String q = "rt-worker";
    Task a = client.enqueue(q, TaskRequest.of("a").priority(3));
    Task b = client.enqueue(q, TaskRequest.of("b").priority(2));
    Task c = client.enqueue(q, TaskRequest.of("c").priority(1).maxAttempts(5));
    Task d = client.enqueue(q, TaskRequest.of("d"));

    List<Task> first = client.claim(q, "w1", 1, null, Duration.ZERO);
    assertThat(first).extracting(Task::id).containsExactly(a.id());
    Task ca = first.get(0);
    List<Task> claimed = client.claim(q, "w1", 10, Duration.ofSeconds(20), Duration.ofSeconds(5));
    assertThat(claimed).extracting(Task::id).containsExactly(b.id(), c.id(), d.id());
    Task cb = claimed.get(0);
    assertThat(cb.state()).isEqualTo(TaskState.WORKING);
    assertThat(cb.attempt()).isEqualTo(1);
    assertThat(cb.lease().owner()).isEqualTo("w1");
    assertThat(cb.lease().expiresAt())
        .isCloseTo(cb.updatedAt().plusSeconds(20), within(1, ChronoUnit.SECONDS));
    assertThat(client.claim(q, "w1", 1, null, null)).as("nothing left").isEmpty();

    Task beat = client.heartbeat(cb.id(), cb.lease().token(), Duration.ofMinutes(5));
    assertThat(beat.lease().expiresAt()).isAfter(cb.lease().expiresAt().plusSeconds(200));
    assertThat(beat.lease().token()).isEqualTo(cb.lease().token());

    Task done = client.complete(cb.id(), cb.lease().token(), Map.of("sent", true));
    assertThat(done.state()).isEqualTo(TaskState.DONE);
    assertThat(done.result().get("sent").asBoolean()).isTrue();
    assertThat(done.lease()).isNull();

    Task cc = claimed.get(1);
    Task retried =
        client.fail(cc.id(), cc.lease().token(), "smtp timeout", false, Duration.ofHours(1));
    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    assertThat(retried.lastError()).isEqualTo("smtp timeout");
    assertThat(retried.attempt()).isEqualTo(1);
    assertThat(retried.runAt()).isAfter(Instant.now().plus(Duration.ofMinutes(50)));

    Task cd = claimed.get(2);
    Task released = client.release(cd.id(), cd.lease().token(), null);
    assertThat(released.state()).isEqualTo(TaskState.PENDING);
    assertThat(released.attempt()).as("a release does not count the attempt").isZero();
    Task reclaimed = client.claim(q, "w2", 1, null, null).get(0);
    assertThat(reclaimed.id()).isEqualTo(d.id());
    Task dead = client.fail(reclaimed.id(), reclaimed.lease().token(), "bad input", true, null);
    assertThat(dead.state()).isEqualTo(TaskState.DEAD);

    Task e = client.enqueue(q, TaskRequest.of("e"));
    Task ce = client.claim(q, "w3", 1, null, null).get(0);
    assertThat(ce.id()).isEqualTo(e.id());
    assertThat(client.task(a.id()).orElseThrow().lease().token())
        .as("the token is shown only to its holder")
        .isNull();
    List<CompletionResult> results =
        client.completeAll(
            List.of(
                Completion.of(ce, List.of(1, 2, 3)),
                new Completion(ca.id(), ca.lease().token(), null),
                new Completion(cb.id(), cb.lease().token(), "again")));
    assertThat(results).extracting(CompletionResult::id).containsExactly(e.id(), a.id(), b.id());
    assertThat(results.get(0).ok()).isTrue();
    assertThat(results.get(0).task().result().size()).isEqualTo(3);
    assertThat(results.get(1).ok()).isTrue();
    assertThat(results.get(1).task().result()).as("completed without a result").isNull();
    assertThat(results.get(2).ok()).isFalse();
    assertThat(results.get(2).status()).isEqualTo(409);
    assertThat(results.get(2).alreadyDone()).isTrue();
    assertThat(results.get(2).state()).isEqualTo(TaskState.DONE);
    assertThat(results.get(2).error()).isNotBlank();
  }

  @Test
  void a_stale_token_is_a_409_problem_that_says_the_lease_is_lost_and_names_the_current_state() {
    Task t = client.enqueue("rt-stale", TaskRequest.of("x"));
    Task first = client.claim("rt-stale", "w1", 1, null, null).get(0);
    client.release(first.id(), first.lease().token(), null);
    Task second = client.claim("rt-stale", "w2", 1, null, null).get(0);
    assertThat(second.id()).isEqualTo(t.id());

    ProblemException e =
        catchThrowableOfType(
            ProblemException.class, () -> client.heartbeat(t.id(), first.lease().token(), null));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.type()).isEqualTo("https://stoker.dev/problems/stale-token");
    assertThat(e.title()).isEqualTo("Lease lost");
    assertThat(e.detail()).contains(t.id());
    assertThat(e.field()).isNull();
    assertThat(e.state()).isEqualTo(TaskState.WORKING);
    assertThat(e.isLeaseLost()).isTrue();
    assertThat(e.isAlreadyFinished()).isFalse();
    assertThat(e.isNotFound()).isFalse();
    assertThat(e.getMessage()).startsWith("409 Lease lost: ").contains("[state working]");

    assertThatThrownBy(() -> client.fail(t.id(), first.lease().token(), "late", false, null))
        .isInstanceOfSatisfying(ProblemException.class, p -> assertThat(p.isLeaseLost()).isTrue());
    assertThatThrownBy(() -> client.release(t.id(), first.lease().token(), Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(ProblemException.class, p -> assertThat(p.isLeaseLost()).isTrue());

    client.complete(t.id(), second.lease().token(), null);
    ProblemException finished =
        catchThrowableOfType(
            ProblemException.class, () -> client.heartbeat(t.id(), second.lease().token(), null));
    assertThat(finished.isAlreadyFinished()).isTrue();
    assertThat(finished.isLeaseLost()).isFalse();
    assertThat(finished.state()).isEqualTo(TaskState.DONE);
    ProblemException cancelDone =
        catchThrowableOfType(ProblemException.class, () -> client.cancel(t.id()));
    assertThat(cancelDone.isAlreadyFinished()).isTrue();
  }

  @Test
  void invalid_input_is_a_422_problem_naming_the_field() {
    ProblemException e =
        catchThrowableOfType(
            ProblemException.class,
            () -> client.enqueue("rt-invalid", TaskRequest.of("x").maxAttempts(5_000)));
    assertThat(e.status()).isEqualTo(422);
    assertThat(e.type()).isEqualTo("https://stoker.dev/problems/invalid-field");
    assertThat(e.title()).isEqualTo("Invalid field");
    assertThat(e.field()).isEqualTo("max_attempts");
    assertThat(e.detail()).contains("max_attempts").contains("1000");
    assertThat(e.state()).isNull();
    assertThat(e.isInvalid()).isTrue();
    assertThat(e.isLeaseLost()).isFalse();

    ProblemException max =
        catchThrowableOfType(
            ProblemException.class, () -> client.claim("rt-invalid", "w", 0, null, null));
    assertThat(max.status()).isEqualTo(422);
    assertThat(max.field()).isEqualTo("max");

    ProblemException name =
        catchThrowableOfType(
            ProblemException.class, () -> client.enqueue("no/such queue", TaskRequest.of("x")));
    assertThat(name.status()).isEqualTo(400);
    assertThat(name.field()).isEqualTo("queue");

    ProblemException backoff =
        catchThrowableOfType(
            ProblemException.class,
            () ->
                client.updateSettings(
                    "rt-invalid", SettingsUpdate.create().backoffMultiplier(0.5)));
    assertThat(backoff.status()).isEqualTo(422);
    assertThat(backoff.field()).isEqualTo("backoff.multiplier");

    assertThat(client.queue("rt-invalid").counts().total())
        .as("bad input changes nothing")
        .isZero();
    assertThatThrownBy(() -> TaskRequest.of("x").paramsJson("{\"unclosed\": "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknown_tasks_are_empty_or_404() {
    String unknown = "00000000000000000000000000";
    assertThat(client.task(unknown)).isEmpty();
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> client.heartbeat(unknown, "t1.x", null));
    assertThat(e.isNotFound()).isTrue();
    assertThat(
            catchThrowableOfType(ProblemException.class, () -> client.cancel(unknown)).isNotFound())
        .isTrue();
    ProblemException badId =
        catchThrowableOfType(ProblemException.class, () -> client.task("not-an-id"));
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badId.field()).isEqualTo("id");
  }

  @Test
  void queues_settings_pause_list_cancel_and_redrive() {
    String q = "rt-admin";
    QueueInfo fresh = client.queue(q);
    assertThat(fresh.name()).isEqualTo(q);
    assertThat(fresh.counts().total()).isZero();
    assertThat(fresh.settings().lease()).isEqualTo(Duration.ofSeconds(30));
    assertThat(fresh.settings().maxAttempts()).isEqualTo(10);
    assertThat(fresh.settings().backoff())
        .isEqualTo(new QueueSettings.Backoff(Duration.ofSeconds(1), 2.0, Duration.ofHours(1)));
    assertThat(fresh.settings().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(fresh.paused()).isFalse();

    QueueSettings changed =
        client.updateSettings(
            q,
            SettingsUpdate.create()
                .lease(Duration.ofSeconds(45))
                .maxAttempts(3)
                .backoffInitial(Duration.ofMillis(250))
                .retention(Duration.ofDays(1)));
    assertThat(changed.lease()).isEqualTo(Duration.ofSeconds(45));
    assertThat(changed.maxAttempts()).isEqualTo(3);
    assertThat(changed.backoff().initial()).isEqualTo(Duration.ofMillis(250));
    assertThat(changed.backoff().multiplier()).as("left as it was").isEqualTo(2.0);
    assertThat(changed.retention()).isEqualTo(Duration.ofDays(1));
    assertThat(client.updateSettings(q, SettingsUpdate.create().maxAttempts(4)).lease())
        .as("only the fields set are changed")
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(client.queue(q).settings().maxAttempts()).isEqualTo(4);

    List<Task> tasks =
        client.enqueueAll(
            q,
            List.of(
                TaskRequest.of("p"),
                TaskRequest.of("p"),
                TaskRequest.of("k"),
                TaskRequest.of("p"),
                TaskRequest.of("p")));
    assertThat(client.pause(q).paused()).isTrue();
    assertThat(client.queue(q).paused()).isTrue();
    assertThat(client.claim(q, "w", 5, null, Duration.ofMillis(200)))
        .as("a paused queue gives nothing")
        .isEmpty();
    assertThat(client.resume(q).paused()).isFalse();
    assertThat(client.queues())
        .filteredOn(i -> i.name().equals(q))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.counts().pending()).isEqualTo(5);
              assertThat(i.settings()).isNull();
              assertThat(i.paused()).isFalse();
            });

    Task cancelled = client.cancel(tasks.get(2).id());
    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);

    TaskPage page = client.tasks(q, TaskQuery.create().state(TaskState.PENDING).limit(2));
    assertThat(page.tasks())
        .extracting(Task::id)
        .containsExactly(tasks.get(0).id(), tasks.get(1).id());
    assertThat(page.hasMore()).isTrue();
    TaskPage next =
        client.tasks(
            q, TaskQuery.create().state(TaskState.PENDING).limit(2).cursor(page.nextCursor()));
    assertThat(next.tasks())
        .extracting(Task::id)
        .containsExactly(tasks.get(3).id(), tasks.get(4).id());
    assertThat(client.allTasks(q, TaskQuery.create().limit(2)).map(Task::id))
        .containsExactlyElementsOf(tasks.stream().map(Task::id).toList());
    assertThat(client.allTasks(q, TaskQuery.create().name("k")).map(Task::state))
        .containsExactly(TaskState.CANCELLED);
    assertThat(client.allTasks(q, null).count()).isEqualTo(5);

    for (Task t : client.claim(q, "w", 2, null, null)) {
      client.fail(t.id(), t.lease().token(), "broken", true, null);
    }
    assertThat(client.queue(q).counts().dead()).isEqualTo(2);
    assertThat(client.redrive(q, 1)).isEqualTo(1);
    assertThat(client.redrive(q)).isEqualTo(1);
    assertThat(client.redrive(q)).isZero();
    Task revived = client.task(tasks.get(0).id()).orElseThrow();
    assertThat(revived.state()).isEqualTo(TaskState.PENDING);
    assertThat(revived.attempt()).isZero();
    assertThat(revived.lastError()).isEqualTo("broken");
  }

  @Test
  void an_unreachable_server_is_unavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (StokerClient nowhere =
        StokerClient.builder().baseUrl("http://127.0.0.1:" + port).build()) {
      StokerUnavailableException e =
          catchThrowableOfType(
              StokerUnavailableException.class, () -> nowhere.enqueue("q", TaskRequest.of("x")));
      assertThat(e.status()).isZero();
      assertThat(e.getMessage()).contains("cannot reach the server");
    }
  }

  @Test
  void a_traceparent_goes_from_the_enqueue_to_the_claimed_task() {
    String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    Task enqueued = client.enqueue("traced", TaskRequest.of("t").traceparent(trace));
    assertThat(enqueued.traceparent()).isEqualTo(trace);
    List<Task> batch =
        client.enqueueAll(
            "traced", List.of(TaskRequest.of("u").traceparent(trace), TaskRequest.of("v")));
    assertThat(batch).extracting(Task::traceparent).containsExactly(trace, null);
    assertThat(client.claim("traced", "w", 3, Duration.ofSeconds(30), Duration.ZERO))
        .extracting(Task::traceparent)
        .containsExactly(trace, trace, null);
    ProblemException refused =
        catchThrowableOfType(
            ProblemException.class,
            () -> client.enqueue("traced", TaskRequest.of("bad").traceparent("not-a-traceparent")));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.field()).isEqualTo("traceparent");
  }
}
