package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stoker.client.NextClaim;
import dev.stoker.client.ProblemException;
import dev.stoker.client.QueueInfo;
import dev.stoker.client.RetryLater;
import dev.stoker.client.SettingsUpdate;
import dev.stoker.client.StokerClient;
import dev.stoker.client.StokerUnavailableException;
import dev.stoker.client.Task;
import dev.stoker.client.TaskQuery;
import dev.stoker.client.TaskRequest;
import dev.stoker.client.TaskState;
import dev.stoker.client.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Java snippets of docs/client.md, compiled and run against a real server. Each snippet sits
 * between the {@code // snippet:} and {@code // end} comments of a test, as it is in the doc, but for
 * the server URL ({@code STOKER_URL} here, {@code "http://127.0.0.1:7654"} there);
 * {@link #every_java_block_of_the_doc_is_in_this_test_verbatim()} checks that they are the same.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientDocSnippetsTest {
  private static final Path DOC = Path.of("..", "docs", "client.md");
  private static final Path SOURCE = Path.of("src", "test", "java", "dev", "stoker", "it",
      "ClientDocSnippetsTest.java");

  @RegisterExtension
  static final ServerExtension server = new ServerExtension();
  static String STOKER_URL;
  static StokerClient client;

  /** The doc's stand-in for the reader's own mail code. */
  static final class Mailer {
    final Map<String, List<String>> sent = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    String send(String to, String text) {
      sent.computeIfAbsent(to, k -> Collections.synchronizedList(new ArrayList<>())).add(text);
      return "msg-" + ids.incrementAndGet();
    }

    boolean isUp() {
      return true;
    }
  }

  static final Mailer mailer = new Mailer();

  // snippet: params type
  record Welcome(String to, String name) {}
  // end

  @BeforeAll
  static void start() {
    STOKER_URL = server.url();
    client = StokerClient.builder().baseUrl(STOKER_URL).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
  }

  @Test
  @Order(1)
  void connect() {
    // snippet: connect
    try (StokerClient client = StokerClient.builder()
        .baseUrl(STOKER_URL)
        .token(System.getenv("STOKER_TOKEN"))    // null (unset) sends no token
        .requestTimeout(Duration.ofSeconds(10))
        .build()) {
      System.out.println(client.queues());
    }
    // end
  }

  @Test
  @Order(2)
  void produce() {
    // snippet: enqueue
    Task task = client.enqueue("emails", TaskRequest.of("send_welcome")
        .params(new Welcome("ada@example.com", "Ada"))
        .priority(5)
        .uniqueKey("welcome:ada@example.com"));
    System.out.println(task.id() + " is " + task.state());    // 01M84… is PENDING

    Task reminder = client.enqueue("emails", TaskRequest.of("send_reminder")
        .paramsJson("{\"to\": \"ada@example.com\"}")
        .delay(Duration.ofSeconds(2))
        .maxAttempts(3));
    // end
    assertThat(task.state()).isEqualTo(TaskState.PENDING);
    assertThat(reminder.runAt()).isAfter(task.runAt());

    // snippet: unique key
    Task again = client.enqueue("emails", TaskRequest.of("send_welcome")
        .params(new Welcome("ada@example.com", "Ada"))
        .uniqueKey("welcome:ada@example.com"));
    System.out.println(again.duplicate() + " " + again.id().equals(task.id()));    // true true
    // end
    assertThat(again.duplicate()).isTrue();

    // snippet: enqueue many
    List<TaskRequest> batch = new ArrayList<>();
    for (String to : List.of("a@example.com", "b@example.com", "c@example.com")) {
      batch.add(TaskRequest.of("send_newsletter").params(Map.of("to", to, "issue", 42)));
    }
    List<Task> tasks = client.enqueueAll("emails", batch);    // in order; ≤ 1000 per request
    // end
    assertThat(tasks).hasSize(3);
  }

  @Test
  @Order(3)
  void work() {
    // snippet: worker
    Worker worker = Worker.builder(client)
        .queue("emails")
        .concurrency(8)
        .pollWait(Duration.ofSeconds(2))    // how long an idle claim waits (default 30 s)
        .handler("send_welcome", ctx -> {
          Welcome w = ctx.params(Welcome.class);
          String id = mailer.send(w.to(), "Welcome, " + w.name() + "!");
          return Map.of("message_id", id);    // the task's result
        })
        .handler("send_reminder", ctx -> {
          if (!mailer.isUp()) {
            throw new RetryLater(Duration.ofMinutes(5));
          }
          return mailer.send(ctx.params().get("to").asText(), "Don't forget!");
        })
        .handler("send_newsletter", ctx -> {
          mailer.send(ctx.params().get("to").asText(), "Issue " + ctx.params().get("issue").asInt());
          return null;    // no result
        })
        .build()
        .start();
    // end
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> client.queue("emails").counts().done() == 5);
    } finally {
      worker.close();
    }
    assertThat(mailer.sent.get("ada@example.com")).containsExactlyInAnyOrder("Welcome, Ada!", "Don't forget!");
    assertThat(mailer.sent.get("b@example.com")).containsExactly("Issue 42");
  }

  @Test
  @Order(4)
  void errors() {
    // snippet: errors
    try {
      client.enqueue("emails", TaskRequest.of("send_welcome").maxAttempts(5000));
    } catch (ProblemException e) {
      // 422 max_attempts: max_attempts must be between 1 and 1000, was 5000
      System.out.println(e.status() + " " + e.field() + ": " + e.detail());
    } catch (StokerUnavailableException e) {
      // No answer: the enqueue may or may not have happened. Retry later; with a unique
      // key, retrying an enqueue is safe.
    }
    // end
    ProblemException refused = null;
    try {
      client.enqueue("emails", TaskRequest.of("send_welcome").maxAttempts(5000));
    } catch (ProblemException e) {
      refused = e;
    }
    assertThat(refused).isNotNull();
    assertThat(refused.field()).isEqualTo("max_attempts");
  }

  /** The doc's stand-in for the reader's own work; it fails the tasks named "broken". */
  static Object process(Task t) {
    if (t.name().equals("broken")) {
      throw new IllegalStateException("cannot render " + t.id());
    }
    return Map.of("processed", t.id());
  }

  @Test
  @Order(5)
  void worker_level_operations() {
    client.enqueueAll("reports", List.of(TaskRequest.of("render"), TaskRequest.of("render")));
    // snippet: claim loop
    List<Task> claimed = client.claim("reports", "report-worker-1", 10,
        Duration.ofMinutes(1),     // the lease; null for the queue's
        Duration.ofSeconds(30));   // wait this long when the queue is empty
    for (Task t : claimed) {
      String token = t.lease().token();
      try {
        client.heartbeat(t.id(), token, null);    // every third of the lease, while it works
        client.complete(t.id(), token, process(t));
      } catch (ProblemException e) {
        if (!e.isLeaseLost() && !e.isAlreadyFinished()) {
          throw e;
        }
        // The lease is lost: another worker has the task, or it is done or cancelled. Stop.
      } catch (RuntimeException e) {
        client.fail(t.id(), token, String.valueOf(e.getMessage()), false, null);
      }
    }
    // end
    assertThat(client.queue("reports").counts().done()).isEqualTo(2);

    client.enqueue("reports", TaskRequest.of("render"));
    Task broken = client.enqueue("reports", TaskRequest.of("broken").maxAttempts(1));
    client.enqueueAll("reports", List.of(TaskRequest.of("render"), TaskRequest.of("render")));
    // snippet: complete and claim
    NextClaim next = NextClaim.of("report-worker-1").lease(Duration.ofMinutes(1));
    List<Task> tasks = client.claim("reports", "report-worker-1", 1, Duration.ofMinutes(1), Duration.ofSeconds(30));
    while (!tasks.isEmpty()) {
      Task t = tasks.get(0);
      String token = t.lease().token();
      Object result;
      try {
        result = process(t);
      } catch (RuntimeException e) {
        tasks = client.failAndClaim(t.id(), token, String.valueOf(e.getMessage()), false, null, next).next();
        continue;
      }
      tasks = client.completeAndClaim(t.id(), token, result, next).next();
    }
    // end
    assertThat(client.queue("reports").counts().done()).isEqualTo(5);
    Task failed = client.task(broken.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(TaskState.DEAD);
    assertThat(failed.lastError()).isEqualTo("cannot render " + broken.id());
  }

  @Test
  @Order(6)
  void admin() {
    Task dead = client.enqueue("emails", TaskRequest.of("send_welcome").params(new Welcome("x@example.com", "X")));
    Task claimedDead = client.claim("emails", "w", 1, null, null).get(0);
    client.fail(claimedDead.id(), claimedDead.lease().token(), "mailbox does not exist", true, null);
    Task pending = client.enqueue("emails", TaskRequest.of("send_newsletter").params(Map.of("to", "d@example.com")));
    String id = pending.id();

    // snippet: admin
    QueueInfo emails = client.queue("emails");
    System.out.println(emails.counts().pending() + " pending, " + emails.counts().dead() + " dead");

    client.updateSettings("emails", SettingsUpdate.create()
        .lease(Duration.ofMinutes(2))
        .maxAttempts(5)
        .backoff(Duration.ofSeconds(10), 2.0, Duration.ofHours(1)));
    client.pause("emails");     // claims get nothing until resume
    client.resume("emails");

    try (Stream<Task> failed = client.allTasks("emails", TaskQuery.create().state(TaskState.DEAD))) {
      failed.forEach(t -> System.out.println(t.id() + ": " + t.lastError()));
    }
    int moved = client.redrive("emails", 100);    // dead → pending, attempts reset

    Optional<Task> found = client.task(id);
    Task cancelled = client.cancel(id);           // pending or working → cancelled
    Task retried = client.retry(id);              // dead or cancelled → pending, attempts reset
    // end
    assertThat(emails.counts().dead()).isEqualTo(1);
    assertThat(moved).isEqualTo(1);
    assertThat(client.task(dead.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
    assertThat(found).isPresent();
    assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
    assertThat(retried.state()).isEqualTo(TaskState.PENDING);
    client.cancel(retried.id()); // no handler of the next test runs send_newsletter
    assertThat(client.queue("emails").settings().lease()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  @Order(7)
  void shutdown() throws Exception {
    StokerClient client = StokerClient.builder().baseUrl(STOKER_URL).build();
    // snippet: shutdown
    Worker worker = Worker.builder(client)
        .queue("emails")
        .concurrency(8)
        .pollWait(Duration.ofSeconds(10))          // an idle worker closes within 10 s
        .shutdownGrace(Duration.ofSeconds(20))
        .handler("send_welcome", ctx -> mailer.send(ctx.params(Welcome.class).to(), "Welcome!"))
        .build()
        .start();
    Thread hook = new Thread(() -> {
      worker.close();    // stop claiming, finish or give back what it holds
      client.close();
    });
    Runtime.getRuntime().addShutdownHook(hook);
    // end
    await().atMost(Duration.ofSeconds(20)).until(() -> client.queue("emails").counts().live() == 0);
    assertThat(worker.isRunning()).isTrue();
    Runtime.getRuntime().removeShutdownHook(hook);
    CompletableFuture<Void> exit = CompletableFuture.runAsync(hook); // as the JVM would at exit
    await().atMost(Duration.ofSeconds(5)).until(() -> !worker.isRunning());
    // The idle worker's claim is still waiting: a task enqueued now is brought back to it, and given back.
    Task late = ClientDocSnippetsTest.client.enqueue("emails", TaskRequest.of("send_welcome")
        .params(new Welcome("late@example.com", "Late")));
    exit.get(15, TimeUnit.SECONDS);
    Task after = ClientDocSnippetsTest.client.task(late.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(TaskState.PENDING);
    assertThat(after.attempt()).isZero();
  }

  @Test
  @Order(8)
  void every_java_block_of_the_doc_is_in_this_test_verbatim() throws Exception {
    List<String> source = normalized(Files.readString(SOURCE).replace("STOKER_URL", "\"http://127.0.0.1:7654\""));
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
    int blocks = 0;
    while (m.find()) {
      blocks++;
      List<String> block = normalized(m.group(1));
      assertThat(Collections.indexOfSubList(source, block))
          .as("this java block of docs/client.md is in ClientDocSnippetsTest:\n%s", m.group(1))
          .isNotNegative();
    }
    assertThat(blocks).as("java blocks in docs/client.md").isGreaterThanOrEqualTo(9);
  }

  private static List<String> normalized(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }
}
