package dev.stoker.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.CompletedAndClaimed;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreCounters;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.testkit.EtcdTemp;
import dev.stoker.testkit.ManualClock;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the conformance suite does not cover: several stores (servers) over one prefix of a real
 * 3-member cluster, sharing one manual clock; batches larger than one etcd transaction; the claims
 * of a server that died; and etcd's failures as the store reports them.
 */
class EtcdStoreTest {
  private static final String Q = "q";
  private final ManualClock clock = new ManualClock();
  private final String prefix = EtcdTemp.freshPrefix();
  private final List<EtcdStore> stores = new ArrayList<>();

  private EtcdStore open(EtcdConfig config, int node) {
    EtcdStore s = EtcdStore.open(config, clock, node, new SplittableRandom(node));
    stores.add(s);
    return s;
  }

  private EtcdStore server(int node) {
    return open(
        EtcdConfig.of(EtcdTemp.shared().endpoints())
            .withPrefix(prefix)
            .withSessionTtl(Duration.ofSeconds(2))
            .withSweepInterval(Duration.ofMillis(50)),
        node);
  }

  @AfterEach
  void close() {
    stores.forEach(EtcdStore::close);
  }

  private static List<TaskSpec> specs(int n, String params) {
    return IntStream.range(0, n).mapToObj(i -> TaskSpec.of("t" + i, params)).toList();
  }

  @Test
  void a_batch_larger_than_one_transaction_is_stored_whole_and_claimed_in_order() throws Exception {
    EtcdStore a = server(1);
    String big = "\"" + "x".repeat(100_000) + "\"";
    List<EnqueueResult> small =
        a.taskEnqueueMany(Q, specs(100, "{}")); // 100 tasks: 4 transactions by ops
    List<EnqueueResult> large = a.taskEnqueueMany(Q, specs(12, big)); // 1.2 MB: several by size

    assertThat(a.queueGet(Q).counts().pending()).isEqualTo(112);
    List<Task> claimed = a.taskClaimMany(new ClaimParams(Q, "w", 1000, null, 0));
    List<Task> expected = new ArrayList<>();
    small.forEach(r -> expected.add(r.task()));
    large.forEach(r -> expected.add(r.task()));
    assertThat(claimed)
        .extracting(Task::id)
        .containsExactlyElementsOf(expected.stream().map(Task::id).toList());
    assertThat(claimed.get(111).paramsJson()).isEqualTo(big);
    assertThat(a.queueGet(Q).counts().working()).isEqualTo(112);
    assertThat(batchKeys()).as("the batches' own keys, deleted once written out").isZero();
  }

  /**
   * The writer of a batch larger than one transaction dies once the batch is stored, before it
   * wrote out any task: the sweeping server takes the batch over and writes it out whole.
   */
  @Test
  void a_stored_batch_whose_writer_died_is_written_out_whole_by_the_sweeping_server()
      throws Exception {
    List<Task> made = made(100);
    try (Client client = rawClient()) {
      long lease = client.getLeaseClient().grant(60).get(10, TimeUnit.SECONDS).getID();
      new Batches(new Etcd(client, 10_000), new Keys(prefix)).store(made, lease, (b, m) -> {});
      client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS); // the writer is gone
    }
    assertThat(batchKeys()).isPositive();

    EtcdStore a = server(1); // the only server: it sweeps
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batchKeys() == 0);
    List<Task> claimed = a.taskClaimMany(new ClaimParams(Q, "w", 1000, null, 0));
    assertThat(claimed)
        .extracting(Task::id)
        .containsExactlyElementsOf(made.stream().map(Task::id).toList());
  }

  /**
   * The writer of a batch dies while it stores the parts, before the commit: the batch is not
   * stored (it was never acknowledged), and the sweeping server deletes what it left.
   */
  @Test
  void a_batch_whose_writer_died_before_its_commit_is_dropped() throws Exception {
    List<Task> made = made(100);
    String id = made.get(0).id().toString();
    Keys keys = new Keys(prefix);
    try (Client client = rawClient()) {
      long lease = client.getLeaseClient().grant(60).get(10, TimeUnit.SECONDS).getID();
      client
          .getKVClient()
          .put(keys.batchOwner(id), Keys.bytes("x"), PutOption.builder().withLeaseId(lease).build())
          .get(10, TimeUnit.SECONDS);
      client
          .getKVClient()
          .put(keys.batchPart(id, 0), Codec.tasks(made.stream().map(Codec::task).toList()))
          .get(10, TimeUnit.SECONDS);
      client.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
    }

    EtcdStore a = server(1);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> batchKeys() == 0);
    for (Task t : made) {
      assertThat(a.taskGet(t.id())).isEmpty();
    }
  }

  /** New tasks as a server makes them, not yet written. */
  private List<Task> made(int n) {
    TaskIdGenerator ids = new TaskIdGenerator(clock, 9, new SplittableRandom(9));
    Stamp at = new Stamp(clock.millis(), clock.millis() << 16, 9);
    return specs(n, "{}").stream()
        .map(spec -> Transitions.enqueue(ids.next(), Q, spec, QueueSettings.DEFAULT, at))
        .toList();
  }

  /** How many keys of batches (being written, or left by a dead writer) there are. */
  private long batchKeys() throws Exception {
    try (Client client = rawClient()) {
      return client
          .getKVClient()
          .get(
              Keys.bytes(new Keys(prefix).batches()),
              GetOption.builder().isPrefix(true).withCountOnly(true).build())
          .get(10, TimeUnit.SECONDS)
          .getCount();
    }
  }

  private static Client rawClient() {
    return Client.builder()
        .endpoints(EtcdConfig.of(EtcdTemp.shared().endpoints()).endpoints().toArray(URI[]::new))
        .build();
  }

  @Test
  void servers_share_the_queue_a_claim_made_on_one_is_completed_on_the_other_and_fenced_there() {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    a.taskEnqueueMany(Q, specs(2, "{}"));

    Task onA = a.taskClaimMany(new ClaimParams(Q, "w-a", 1, 60_000L, 0)).get(0);
    Task onB = b.taskClaimMany(new ClaimParams(Q, "w-b", 1, 60_000L, 0)).get(0);
    assertThat(onB.id()).isNotEqualTo(onA.id());

    assertThat(b.taskHeartbeat(onA.id(), onB.lease().token(), null))
        .isInstanceOf(Outcome.StaleToken.class);
    assertThat(b.taskComplete(onA.id(), onA.lease().token(), "1")).isInstanceOf(Outcome.Ok.class);
    assertThat(a.taskGet(onA.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);
    assertThat(a.taskRelease(onA.id(), onA.lease().token(), 0))
        .isInstanceOf(Outcome.AlreadyFinished.class);
  }

  /**
   * The server that gave a claim starts a worker's next write from the record as it wrote it: when
   * another server changed the task since, that guess is out of date, and the write is still judged
   * on what is stored.
   */
  @Test
  void
      a_write_through_the_claiming_server_is_judged_on_the_stored_record_after_another_changed_it() {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    a.taskEnqueueMany(Q, specs(2, "{}"));

    // Extended through the other server: the claiming server's record still has the first lease.
    Task extended = a.taskClaimMany(new ClaimParams(Q, "w-1", 1, 10_000L, 0)).get(0);
    clock.advanceMillis(5_000);
    assertThat(b.taskHeartbeat(extended.id(), extended.lease().token(), 60_000L))
        .isInstanceOf(Outcome.Ok.class);
    clock.advanceMillis(10_000);
    assertThat(a.taskHeartbeat(extended.id(), extended.lease().token(), null))
        .as("past the first lease, within the extended one")
        .isInstanceOf(Outcome.Ok.class);
    assertThat(a.taskComplete(extended.id(), extended.lease().token(), "1"))
        .isInstanceOf(Outcome.Ok.class);

    // Released and claimed again through the other server, within the first lease: the claiming
    // server knows only the first claim's token.
    Task first = a.taskClaimMany(new ClaimParams(Q, "w-2", 1, 60_000L, 0)).get(0);
    assertThat(b.taskRelease(first.id(), first.lease().token(), 0)).isInstanceOf(Outcome.Ok.class);
    Task again = b.taskClaimMany(new ClaimParams(Q, "w-3", 1, 60_000L, 0)).get(0);
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(a.taskHeartbeat(again.id(), again.lease().token(), null))
        .as("the current claim's heartbeat, refused by the guess alone")
        .isInstanceOf(Outcome.Ok.class);
    assertThat(a.taskHeartbeat(first.id(), first.lease().token(), null))
        .isInstanceOf(Outcome.StaleToken.class);
    assertThat(a.taskComplete(again.id(), again.lease().token(), "2"))
        .isInstanceOf(Outcome.Ok.class);
    assertThat(b.taskGet(again.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);
  }

  /**
   * A server claims tasks it enqueued itself without reading their records or the queue's settings
   * first: the settings it last read are compared in the claim transaction, so a pause or a new
   * lease set through another server since holds at once.
   */
  @Test
  void a_claim_holds_to_settings_changed_through_another_server_since_it_last_read_them() {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    a.taskEnqueueMany(Q, specs(3, "{}"));
    long now = clock.millis();
    assertThat(a.taskClaimMany(new ClaimParams(Q, "w", 1, null, 0))).hasSize(1);

    b.queueUpdate(Q, new SettingsPatch(null, null, null, null, null, null, true));
    assertThat(a.taskClaimMany(new ClaimParams(Q, "w", 1, null, 0)))
        .as("paused through the other server")
        .isEmpty();

    b.queueUpdate(Q, new SettingsPatch(123_000L, null, null, null, null, null, false));
    List<Task> got = a.taskClaimMany(new ClaimParams(Q, "w", 1, null, 0));
    assertThat(got).hasSize(1);
    assertThat(got.get(0).lease().expiresAt()).isEqualTo(now + 123_000L);
    assertThat(a.claimConflicts()).as("a change of settings is no contention").isZero();
  }

  /**
   * Workers that complete a task and claim the next through one server (the completions ride in
   * that server's claim transactions when claims are waiting): every completion is answered for its
   * own task, and every task is done once.
   */
  @Test
  void concurrent_finish_and_claim_on_one_server_completes_every_task_once() throws Exception {
    finishAndClaimConcurrently(false);
  }

  @Test
  void concurrent_finish_and_claim_in_one_call_on_one_server_completes_every_task_once()
      throws Exception {
    finishAndClaimConcurrently(true);
  }

  /**
   * 16 workers complete and claim through one server, each completion and claim in two calls or in
   * one ({@link EtcdStore#taskCompleteAndClaim}).
   */
  private void finishAndClaimConcurrently(boolean oneCall) throws Exception {
    EtcdStore a = server(1);
    int n = 400;
    a.taskEnqueueMany(Q, specs(n, "{}"));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    ConcurrentLinkedQueue<Object> done = new ConcurrentLinkedQueue<>();
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String worker = "w-" + i;
      workers.add(
          pool.submit(
              () -> {
                List<Task> mine = a.taskClaimMany(new ClaimParams(Q, worker, 1, 600_000L, 0));
                while (!mine.isEmpty()) {
                  Task t = mine.get(0);
                  String result = "\"" + t.id() + "\"";
                  ClaimParams next = new ClaimParams(Q, worker, 1, 600_000L, 0);
                  CompletedAndClaimed both =
                      oneCall
                          ? a.taskCompleteAndClaim(t.id(), t.lease().token(), result, q -> next)
                          : null;
                  Outcome o =
                      oneCall ? both.outcome() : a.taskComplete(t.id(), t.lease().token(), result);
                  assertThat(o).isInstanceOf(Outcome.Ok.class);
                  Task finished = ((Outcome.Ok) o).task();
                  assertThat(finished.id()).isEqualTo(t.id());
                  assertThat(finished.state()).isEqualTo(TaskState.DONE);
                  assertThat(
                          a.taskComplete(t.id(), t.lease().token().substring(1) + "x", "\"again\""))
                      .as("a second completion with another token")
                      .isNotInstanceOf(Outcome.Ok.class);
                  done.add(t.id());
                  mine = oneCall ? both.claimed() : a.taskClaimMany(next);
                }
                return null;
              }));
    }
    for (Future<?> f : workers) {
      f.get(3, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(new HashSet<>(done)).hasSize(n);
    assertThat(done).hasSize(n);
    assertThat(a.queueGet(Q).counts().done()).isEqualTo(n);
    Task one = a.taskGet((dev.stoker.core.TaskId) done.peek()).orElseThrow();
    assertThat(one.resultJson()).isEqualTo("\"" + one.id() + "\"");
  }

  /**
   * Lever (a) of issue 14: the completion of a finish-and-claim and the claim it asks for go in one
   * etcd transaction, which gives every key it writes the same mod revision.
   */
  @Test
  void a_finish_and_claim_writes_the_completion_and_the_claim_in_one_transaction() {
    EtcdStore a = server(1);
    a.taskEnqueueMany(Q, specs(3, "{}"));
    Task first = a.taskClaimMany(new ClaimParams(Q, "w", 1, 60_000L, 0)).get(0);

    CompletedAndClaimed r =
        a.taskCompleteAndClaim(
            first.id(), first.lease().token(), "1", q -> new ClaimParams(q, "w", 1, 60_000L, 0));

    assertThat(r.outcome()).isInstanceOf(Outcome.Ok.class);
    assertThat(((Outcome.Ok) r.outcome()).task().state()).isEqualTo(TaskState.DONE);
    assertThat(r.claimed()).hasSize(1);
    Task next = r.claimed().get(0);
    assertThat(next.id()).isNotEqualTo(first.id());
    assertThat(next.state()).isEqualTo(TaskState.WORKING);
    assertThat(recordModRevision(first)).isEqualTo(recordModRevision(next));
    assertThat(a.taskGet(first.id()).orElseThrow().resultJson()).isEqualTo("1");
  }

  @Test
  void a_refused_finish_and_claim_claims_nothing() {
    EtcdStore a = server(1);
    a.taskEnqueueMany(Q, specs(3, "{}"));
    Task first = a.taskClaimMany(new ClaimParams(Q, "w", 1, 60_000L, 0)).get(0);
    String other = a.taskClaimMany(new ClaimParams(Q, "w2", 1, 60_000L, 0)).get(0).lease().token();

    CompletedAndClaimed stale =
        a.taskCompleteAndClaim(first.id(), other, "1", q -> new ClaimParams(q, "w", 1, 60_000L, 0));
    assertThat(stale.outcome()).isInstanceOf(Outcome.StaleToken.class);
    assertThat(stale.claimed()).isEmpty();
    assertThat(a.queueGet(Q).counts().pending()).isEqualTo(1);

    assertThat(a.taskComplete(first.id(), first.lease().token(), "1"))
        .isInstanceOf(Outcome.Ok.class);
    CompletedAndClaimed again =
        a.taskCompleteAndClaim(
            first.id(), first.lease().token(), "2", q -> new ClaimParams(q, "w", 1, 60_000L, 0));
    assertThat(again.outcome()).isInstanceOf(Outcome.AlreadyFinished.class);
    assertThat(again.claimed()).isEmpty();
    assertThat(a.queueGet(Q).counts().pending()).isEqualTo(1);
  }

  /** The mod revision of the task's record in etcd: the transaction that last wrote it. */
  private long recordModRevision(Task t) {
    EtcdConfig config = EtcdConfig.of(EtcdTemp.shared().endpoints());
    try (Client client =
        Client.builder().endpoints(config.endpoints().toArray(URI[]::new)).build()) {
      return client
          .getKVClient()
          .get(new Keys(prefix).task(t.id()))
          .get(10, TimeUnit.SECONDS)
          .getKvs()
          .get(0)
          .getModRevision();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void concurrent_claimers_on_two_servers_get_every_task_exactly_once() throws Exception {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    int n = 300;
    a.taskEnqueueMany(Q, specs(n, "{}"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    ConcurrentLinkedQueue<Task> got = new ConcurrentLinkedQueue<>();
    List<Future<?>> claimers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      EtcdStore s = i % 2 == 0 ? a : b;
      String worker = "w-" + i;
      claimers.add(
          pool.submit(
              () -> {
                while (true) {
                  List<Task> c = s.taskClaimMany(new ClaimParams(Q, worker, 3, 600_000L, 0));
                  if (c.isEmpty() && s.queueGet(Q).counts().pending() == 0) {
                    return null;
                  }
                  got.addAll(c);
                }
              }));
    }
    for (Future<?> f : claimers) {
      f.get(3, TimeUnit.MINUTES);
    }
    pool.shutdown();
    Set<Object> ids = new HashSet<>();
    got.forEach(t -> assertThat(ids.add(t.id())).as("claimed once: %s", t.id()).isTrue());
    assertThat(ids).hasSize(n);
  }

  /**
   * Two servers claim the head of one queue at the same moment, round after round, until one of
   * them loses a claim transaction to the other: the loser counts it, and the counter the server
   * publishes on /metrics reads the same. Every round's tasks are still claimed once.
   */
  @Test
  void a_claim_transaction_lost_to_another_server_counts_as_a_conflict() {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    StoreCounters.Counter published =
        a.counters().stream()
            .filter(c -> c.name().equals("stoker.etcd.claim.conflicts"))
            .findFirst()
            .orElseThrow();
    assertThat(published.value().getAsLong()).isZero();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Set<Object> claimed = new HashSet<>();
    try {
      Awaitility.await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () -> {
                a.taskEnqueueMany(Q, specs(8, "{}"));
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<List<Task>>> both = new ArrayList<>();
                for (EtcdStore s : List.of(a, b)) {
                  both.add(
                      pool.submit(
                          () -> {
                            together.await();
                            return s.taskClaimMany(new ClaimParams(Q, "w", 4, 600_000L, 0));
                          }));
                }
                for (Future<List<Task>> f : both) {
                  f.get(1, TimeUnit.MINUTES)
                      .forEach(
                          t -> assertThat(claimed.add(t.id())).as("once: %s", t.id()).isTrue());
                }
                return a.claimConflicts() + b.claimConflicts() > 0;
              });
    } finally {
      pool.shutdown();
    }
    assertThat(published.value().getAsLong()).isEqualTo(a.claimConflicts());
    assertThat(b.counters().get(0).value().getAsLong()).isEqualTo(b.claimConflicts());
  }

  @Test
  void concurrent_claims_on_one_server_each_get_their_own_tasks_under_their_own_worker_and_lease()
      throws Exception {
    EtcdStore a = server(1);
    int claimers = 16;
    a.taskEnqueueMany(Q, specs(claimers * 4, "{}"));
    long now = clock.millis();
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    List<Future<List<Task>>> answers = new ArrayList<>();
    for (int i = 0; i < claimers; i++) {
      ClaimParams p = new ClaimParams(Q, "w-" + i, 1 + i % 4, 60_000L + i, 0);
      answers.add(pool.submit(() -> a.taskClaimMany(p)));
    }
    Set<Object> ids = new HashSet<>();
    for (int i = 0; i < claimers; i++) {
      List<Task> got = answers.get(i).get(1, TimeUnit.MINUTES);
      assertThat(got).as("claimer %d", i).hasSize(1 + i % 4);
      for (Task t : got) {
        assertThat(ids.add(t.id())).as("claimed once: %s", t.id()).isTrue();
        assertThat(t.lease().owner()).isEqualTo("w-" + i);
        assertThat(t.lease().expiresAt()).isEqualTo(now + 60_000L + i);
        assertThat(a.taskGet(t.id()).orElseThrow()).isEqualTo(t);
      }
    }
    pool.shutdown();
    assertThat(a.queueGet(Q).counts().working()).isEqualTo(ids.size());
  }

  @Test
  void
      a_claim_whose_server_died_is_honoured_until_its_lease_runs_out_and_then_taken_over_by_another() {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    a.taskEnqueueMany(Q, specs(2, "{}"));
    Task abandoned = a.taskClaimMany(new ClaimParams(Q, "w-1", 1, 60_000L, 0)).get(0);
    Task moved = a.taskClaimMany(new ClaimParams(Q, "w-2", 1, 60_000L, 0)).get(0);

    a.close(); // its lease is revoked: both locks vanish, as when it dies and its TTL runs out
    clock.advanceMillis(40_000);
    // Another server serves the claim now: a worker of a dead server keeps its claim.
    assertThat(b.taskHeartbeat(moved.id(), moved.lease().token(), null))
        .isInstanceOf(Outcome.Ok.class);
    assertThat(b.taskClaimMany(new ClaimParams(Q, "w-3", 5, null, 0)))
        .as("nothing ends before its lease")
        .isEmpty();

    clock.advanceMillis(20_001); // past the abandoned claim's lease
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> b.taskGet(abandoned.id()).orElseThrow().state() == TaskState.PENDING);
    assertThat(b.taskGet(abandoned.id()).orElseThrow().lastError()).contains("w-1");
    assertThat(b.taskGet(moved.id()).orElseThrow().state()).isEqualTo(TaskState.WORKING);
    assertThat(b.taskClaimMany(new ClaimParams(Q, "w-3", 5, null, 0)))
        .extracting(Task::id)
        .containsExactly(abandoned.id());
  }

  @Test
  void a_redrive_passes_over_a_dead_task_whose_unique_key_a_live_task_holds() {
    EtcdStore a = server(1);
    Task first = dead(a, new TaskSpec("first", "{}", 0, null, null, "k", null));
    Task second = dead(a, new TaskSpec("second", "{}", 0, null, null, "k", null));
    Task plain = dead(a, TaskSpec.of("plain", "{}"));

    assertThat(a.queueRedrive(Q, 10)).isEqualTo(new RedriveResult(2, 1));
    assertThat(a.taskGet(first.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
    assertThat(a.taskGet(second.id()).orElseThrow().state()).isEqualTo(TaskState.DEAD);
    assertThat(a.taskGet(plain.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
    assertThat(
            a.taskEnqueueMany(Q, List.of(new TaskSpec("again", "{}", 0, null, null, "k", null)))
                .get(0))
        .isEqualTo(new EnqueueResult(a.taskGet(first.id()).orElseThrow(), true));
    assertThat(a.queueRedrive(Q, 10)).isEqualTo(new RedriveResult(0, 1));
  }

  private static Task dead(EtcdStore s, TaskSpec spec) {
    Task t = s.taskEnqueueMany(Q, List.of(spec)).get(0).task();
    Task c = s.taskClaimMany(new ClaimParams(Q, "w-killer", 1, null, 0)).get(0);
    assertThat(c.id()).isEqualTo(t.id());
    assertThat(
            s.taskFail(
                new dev.stoker.core.store.FailParams(c.id(), c.lease().token(), "x", true, null)))
        .isInstanceOf(Outcome.Ok.class);
    return t;
  }

  @Test
  void an_unreachable_cluster_is_a_store_unavailable_naming_the_cause() {
    try (EtcdTemp single = EtcdTemp.start(1)) {
      EtcdStore s =
          open(
              EtcdConfig.of(single.endpoints())
                  .withPrefix(prefix)
                  .withRequestTimeout(Duration.ofMillis(3_000)),
              1);
      s.taskEnqueueMany(Q, specs(1, "{}"));
      single.kill(1);

      assertThatThrownBy(() -> s.queueGet(Q))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("etcd did not answer");
      assertThatThrownBy(() -> s.taskEnqueueMany(Q, specs(1, "{}")))
          .isInstanceOf(StoreUnavailableException.class);

      single.restart(1);
      single.waitHealthy();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> s.queueGet(Q).counts().pending() == 1);
    }
  }

  @Test
  void a_full_cluster_is_a_store_unavailable_naming_nospace() {
    try (EtcdTemp tiny = EtcdTemp.start(1, "--quota-backend-bytes=16777216")) {
      EtcdStore s = open(EtcdConfig.of(tiny.endpoints()).withPrefix(prefix), 1);
      String big = "\"" + "x".repeat(400_000) + "\"";
      StoreUnavailableException full = null;
      for (int i = 0; i < 200 && full == null; i++) {
        try {
          s.taskEnqueueMany(Q, specs(1, big));
        } catch (StoreUnavailableException e) {
          full = e;
        }
      }
      assertThat(full).isNotNull();
      assertThat(full.getMessage()).contains("NOSPACE");
    }
  }
}
