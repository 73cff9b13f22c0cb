package dev.stoker.store.postgres;

import dev.stoker.core.Clock;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Combiner;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskChange;
import dev.stoker.core.store.TaskStore;
import dev.stoker.store.postgres.Rows.Stored;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on PostgreSQL: any number of Stoker servers over one database. Every operation is one
 * transaction, committed before the method returns; the rules of every transition are those of
 * {@link Transitions}, applied to rows locked with {@code FOR UPDATE} (claims take rows with {@code
 * SKIP LOCKED}, so concurrent claimers never wait for each other). See docs/backends/postgres.md
 * for the schema, the indexes and how time and wake-ups work across servers.
 *
 * <pre>{@code
 * try (TaskStore store = PostgresStore.open(PostgresConfig.of("jdbc:postgresql://db/app?user=stoker"))) { ... }
 * }</pre>
 */
public final class PostgresStore implements TaskStore, LeaseTokenKeySource, Sweeper.Store {
  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  /** The most requests one combined transaction serves (see {@link Combiner}). */
  static final int MAX_BATCHED_REQUESTS = 64;

  static final int BATCHES_IN_FLIGHT = Integer.getInteger("stoker.pg.inflight", 1);

  private final PostgresConfig config;
  private final Db db;
  private final Clock clock;
  private final DbClock dbClock;
  private final Tx.Env env;
  private final Queues queues;
  private final RandomGenerator random;
  private final Wakeups wakeups;
  private final Listener listener;
  private final Elsewhere elsewhere;
  private final Interest interest;
  private final Sweeper sweeper;
  private final byte[] leaseTokenKey;
  private final Thread background;

  /**
   * Where batches run: platform threads, because a batch is a handful of JDBC round trips, each of
   * which on a virtual thread parks and resumes it through the poller (a quarter of the server's
   * CPU under W1 before this). Few are needed (a batch per queue and kind at a time); idle ones
   * end.
   */
  private final ExecutorService batchThreads =
      Executors.newCachedThreadPool(
          Thread.ofPlatform().name("stoker-pg-batch-", 0).daemon(true).factory());

  private final Enqueues enqueues;
  private final Claims claims;
  private final Combiner<List<Completion>, List<Outcome>> completer;
  private final Reads reads;
  private volatile boolean draining;
  private volatile boolean closed;
  private volatile StoreObserver observer = StoreObserver.NONE;

  private PostgresStore(PostgresConfig config, Bootstrap.Opened opened, RandomGenerator random) {
    this.config = config;
    this.db = opened.db();
    this.clock = opened.clock();
    this.dbClock = opened.dbClock();
    this.random = random;
    this.queues = new Queues(db);
    this.wakeups = new Wakeups();
    Due due = new Due();
    this.interest = new Interest(db, opened.node(), () -> observer);
    this.env =
        new Tx.Env(
            db, queues, new Hlc(clock), opened.node(), wakeups, due, config.channel(), interest);
    this.sweeper = new Sweeper(this, clock, due);
    this.elsewhere = new Elsewhere(opened.node(), this::readBack, () -> observer);
    this.listener = new Listener(config.url(), config.channel(), wakeups, elsewhere);
    this.leaseTokenKey = opened.leaseTokenKey();
    this.background = new Thread(this::background, "stoker-pg-sweeper");
    background.setDaemon(true);
    this.enqueues =
        new Enqueues(this, queues, new TaskIdGenerator(clock, opened.node(), random), batchThreads);
    this.claims =
        new Claims(
            this,
            sweeper,
            queues,
            wakeups,
            config.pollInterval(),
            () -> draining || closed,
            batchThreads);
    this.completer =
        new Combiner<>(this::completeBatch, MAX_BATCHED_REQUESTS, BATCHES_IN_FLIGHT, batchThreads);
    this.reads = new Reads(this, queues);
  }

  /** Opens the store on the database's clock, with a node id the database hands out. */
  public static PostgresStore open(PostgresConfig config) {
    return open(config, null, -1, RandomGenerator.getDefault());
  }

  /**
   * Opens the store: migrates the schema if needed and starts the listener and the sweeper.
   *
   * @param clock the time source for run_at, leases and retention; null for the database's clock
   * @param node this server's id (0..65534), part of every task id and version; negative to take
   *     the next one from the database, which is what servers over one database should do unless
   *     each is given its own
   * @param random the source of task-id entropy and backoff jitter
   * @throws StoreUnavailableException when the database cannot be reached or migrated
   */
  public static PostgresStore open(
      PostgresConfig config, Clock clock, int node, RandomGenerator random) {
    if (node > 65534) {
      throw new IllegalArgumentException("node id must be 0..65534 (65535 is SQL's), was " + node);
    }
    Bootstrap.Opened opened = Bootstrap.open(config, clock, node);
    try {
      PostgresStore store = new PostgresStore(config, opened, random);
      store.interest.start();
      store.elsewhere.start();
      store.listener.start();
      store.background.start();
      log.info("PostgreSQL store in schema {} as node {}", config.schema(), opened.node());
      return store;
    } catch (RuntimeException e) {
      opened.db().close();
      throw e;
    }
  }

  /** The schema's name, the node id, and the time source: for logs. */
  public String describe() {
    return "schema "
        + config.schema()
        + ", node "
        + env.node()
        + (dbClock != null
            ? ", database clock (offset " + dbClock.offsetMs() + " ms)"
            : ", given clock");
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public <R> R run(Sweeper.TxWork<R> work) {
    if (closed) {
      throw new StoreUnavailableException("the store is closed");
    }
    Tx[] last = new Tx[1];
    StoreObserver o = observer;
    R r =
        db.tx(
            c -> {
              Tx tx = new Tx(c, clock.millis(), env);
              last[0] = tx;
              R result = work.apply(tx);
              tx.flush();
              return result;
            },
            nanos -> {
              if (last[0].wrote()) {
                o.synced(nanos);
              }
            });
    last[0].afterCommit(o);
    return r;
  }

  /** A write: first whatever fell due, then the operation. */
  private <R> R write(Sweeper.TxWork<R> work) {
    sweeper.sweepIfDue();
    return run(work);
  }

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    sweeper.sweepIfDue();
    return enqueues.enqueue(queue, specs);
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams p) {
    return claims.claim(p);
  }

  /** Locks one task, applies {@code change} and writes what it returns. */
  private Outcome change(TaskChange change) {
    return change(
        change.id(),
        (tx, st) -> {
          Task t = st.task();
          QueueSettings queue =
              change.readsQueueSettings()
                  ? queues.settings(tx.c, queues.find(tx.c, t.queue()), false)
                  : null;
          return change.apply(t, queue, tx.stamp(), random);
        });
  }

  /** A rule of {@link Transitions} applied to one locked task, in its transaction. */
  @FunctionalInterface
  private interface Rule {
    Outcome apply(Tx tx, Stored current) throws SQLException;
  }

  /** Locks the task {@code id}, applies {@code rule} and writes what it returns. */
  private Outcome change(TaskId id, Rule rule) {
    return write(
        tx -> {
          Stored st = tx.lock(id);
          if (st == null) {
            return new Outcome.NotFound(id);
          }
          Outcome o = rule.apply(tx, st);
          if (o instanceof Outcome.Ok ok) {
            tx.update(st, ok.task());
          }
          return o;
        });
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson) {
    return change(new TaskChange.Heartbeat(id, token, leaseMs, progressJson));
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    return taskCompleteMany(List.of(new Completion(id, token, resultJson))).get(0);
  }

  @Override
  public List<Outcome> taskCompleteMany(List<Completion> completions) {
    if (completions.isEmpty()) {
      return List.of();
    }
    sweeper.sweepIfDue();
    return completer.submit(completions);
  }

  /**
   * Several completion requests in one transaction, the rows locked in id order; one answer each.
   */
  private List<List<Outcome>> completeBatch(List<List<Completion>> requests) {
    return run(
        tx -> {
          UUID[] keys =
              requests.stream()
                  .flatMap(List::stream)
                  .map(c -> Rows.uuid(c.id()))
                  .distinct()
                  .toArray(UUID[]::new);
          Map<TaskId, Stored> rows = new HashMap<>();
          for (Stored st :
              tx.lockAll(
                  "SELECT "
                      + Rows.COLUMNS
                      + " FROM ${schema}.tasks WHERE id = ANY(?)"
                      + " ORDER BY id FOR UPDATE",
                  ps -> ps.setArray(1, tx.c.createArrayOf("uuid", keys)))) {
            rows.put(st.task().id(), st);
          }
          List<List<Outcome>> answers = new ArrayList<>(requests.size());
          for (List<Completion> completions : requests) {
            List<Outcome> out = new ArrayList<>(completions.size());
            for (Completion c : completions) {
              Stored st = rows.get(c.id());
              if (st == null) {
                out.add(new Outcome.NotFound(c.id()));
                continue;
              }
              Outcome o = c.apply(st.task(), null, tx.stamp(), random);
              if (o instanceof Outcome.Ok ok) {
                rows.put(c.id(), tx.update(st, ok.task()));
              }
              out.add(o);
            }
            answers.add(out);
          }
          return answers;
        });
  }

  @Override
  public Outcome taskFail(FailParams p) {
    return change(p);
  }

  @Override
  public Outcome taskRelease(TaskId id, String token, long delayMs) {
    return change(new TaskChange.Release(id, token, delayMs));
  }

  @Override
  public Outcome taskCancel(TaskId id) {
    return change(new TaskChange.Cancel(id));
  }

  @Override
  public Outcome taskRetry(TaskId id) {
    return change(id, (tx, st) -> Transitions.retry(st.task(), keyHolder(tx, st), tx.stamp()));
  }

  /** The live task of its queue that holds the unique key of {@code st}, or null. */
  private static TaskId keyHolder(Tx tx, Stored st) throws SQLException {
    String key = st.task().uniqueKey();
    if (key == null) {
      return null;
    }
    try (PreparedStatement ps =
        tx.c.prepareStatement(
            tx.sql(
                "SELECT id FROM ${schema}.tasks WHERE queue_id = ? AND unique_key = ? AND state <= "
                    + StateCodes.LAST_LIVE))) {
      ps.setInt(1, st.queueId());
      ps.setString(2, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Rows.taskId(rs.getObject(1, UUID.class)) : null;
      }
    }
  }

  /** A live task of the queue holds the unique key of dead task {@code d}. */
  private static final String KEY_HELD =
      "EXISTS (SELECT 1 FROM ${schema}.tasks l WHERE l.queue_id = d.queue_id"
          + " AND l.unique_key = d.unique_key AND l.state <= "
          + StateCodes.LAST_LIVE
          + ")";

  /** Dead tasks of a queue, oldest first, whose unique key (if any) no live task holds. */
  private static final String REDRIVABLE =
      "SELECT "
          + Rows.COLUMNS
          + " FROM ${schema}.tasks d"
          + " WHERE queue_id = ? AND state = "
          + StateCodes.DEAD
          + " AND id > ?"
          + " AND (unique_key IS NULL OR NOT "
          + KEY_HELD
          + ") ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED";

  /** How many dead tasks below an id a live task's hold on their unique key keeps dead. */
  private static final String HELD =
      "SELECT count(*) FROM ${schema}.tasks d"
          + " WHERE queue_id = ? AND state = "
          + StateCodes.DEAD
          + " AND id < ? AND unique_key IS NOT NULL AND "
          + KEY_HELD;

  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    return write(
        tx -> {
          Integer queueId = queues.find(tx.c, queue);
          if (queueId == null) {
            return RedriveResult.NONE;
          }
          // Two dead tasks with one key are both redrivable until the first moves (rows are written
          // at
          // commit), so the keys moved here are tracked here; the later task is passed over.
          Set<String> keysMoved = new HashSet<>();
          int moved = 0;
          int skippedHere = 0;
          UUID after = new UUID(0, 0);
          UUID lastMoved = null;
          while (moved < limit) {
            UUID from = after;
            int wanted = limit - moved;
            List<Stored> dead =
                tx.lockAll(
                    REDRIVABLE,
                    ps -> {
                      ps.setInt(1, queueId);
                      ps.setObject(2, from);
                      ps.setInt(3, wanted);
                    });
            for (Stored st : dead) {
              String key = st.task().uniqueKey();
              if (key != null && !keysMoved.add(key)) {
                skippedHere++;
              } else {
                tx.update(st, tx.redriven(Transitions.redrive(st.task(), tx.stamp())));
                lastMoved = Rows.uuid(st.task().id());
                moved++;
              }
            }
            if (dead.size() < wanted) {
              break;
            }
            after = Rows.uuid(dead.get(dead.size() - 1).task().id());
          }
          UUID upTo = moved == limit ? lastMoved : new UUID(-1, -1);
          int held;
          try (PreparedStatement ps = tx.c.prepareStatement(tx.sql(HELD))) {
            ps.setInt(1, queueId);
            ps.setObject(2, upTo);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              held = rs.getInt(1);
            }
          }
          return new RedriveResult(moved, held + skippedHere);
        });
  }

  @Override
  public QueueSettings queueUpdate(String queue, SettingsPatch patch) {
    patch.applyTo(QueueSettings.DEFAULT); // refuses a bad value before the queue is created
    sweeper.sweepIfDue();
    int queueId = queues.ensure(queue);
    return run(
        tx -> {
          QueueSettings next = patch.applyTo(queues.settings(tx.c, queueId, true));
          queues.update(tx.c, queueId, next);
          if (!next.paused()) {
            tx.wake(queue);
          }
          return next;
        });
  }

  /** The tasks of these ids as they are now, for {@link Elsewhere}. */
  private List<Task> readBack(List<TaskId> ids) {
    UUID[] keys = ids.stream().map(Rows::uuid).distinct().toArray(UUID[]::new);
    return run(
        tx ->
            tx
                .select(
                    "SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE id = ANY(?)",
                    ps -> ps.setArray(1, tx.c.createArrayOf("uuid", keys)))
                .stream()
                .map(Stored::task)
                .toList());
  }

  @Override
  public Optional<Task> taskGet(TaskId id) {
    return reads.taskGet(id);
  }

  @Override
  public Page taskList(ListParams p) {
    return reads.taskList(p);
  }

  @Override
  public QueueInfo queueGet(String queue) {
    return reads.queueGet(queue);
  }

  @Override
  public List<QueueInfo> queueList() {
    return reads.queueList();
  }

  @Override
  public byte[] leaseTokenKey() {
    return leaseTokenKey.clone();
  }

  @Override
  public void observe(StoreObserver observer) {
    this.observer = observer;
  }

  @Override
  public void drain() {
    draining = true;
    wakeups.signalAll();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    wakeups.signalAll();
    background.interrupt();
    listener.stop();
    elsewhere.stop();
    interest.stop();
    batchThreads.shutdown();
    try {
      background.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    db.close();
  }

  /**
   * Sweeps every interval (sooner when this server knows something falls due), and re-reads the DB
   * clock.
   */
  private void background() {
    long interval = config.sweepInterval().toMillis();
    long lastClock = System.nanoTime();
    boolean failing = false;
    while (!closed) {
      try {
        long next = env.due().next();
        long untilDue = next == Long.MIN_VALUE ? 0 : next - clock.millis();
        Thread.sleep(Math.max(5, Math.min(interval, untilDue)));
      } catch (InterruptedException e) {
        return;
      }
      try {
        sweeper.sweep(true);
        if (dbClock != null && System.nanoTime() - lastClock > TimeUnit.SECONDS.toNanos(30)) {
          lastClock = System.nanoTime();
          try (Connection c = db.connection()) {
            dbClock.measure(c);
          }
        }
        if (failing) {
          log.info("the database is reachable again");
        }
        failing = false;
      } catch (StoreUnavailableException | SQLException e) {
        if (!failing && !closed) {
          log.warn("sweep failed: {}", e.getMessage());
        }
        failing = true;
      }
    }
  }
}
