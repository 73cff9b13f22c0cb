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
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.PageBuilder;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskChange;
import dev.stoker.core.store.TaskStore;
import dev.stoker.store.postgres.Rows.Stored;
import java.security.SecureRandom;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on PostgreSQL: any number of Stoker servers over one database. Every operation is one
 * transaction, committed before the method returns; the rules of every transition are those of {@link
 * Transitions}, applied to rows locked with {@code FOR UPDATE} (claims take rows with {@code SKIP
 * LOCKED}, so concurrent claimers never wait for each other). See docs/backends/postgres.md for the
 * schema, the indexes and how time and wake-ups work across servers.
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
  private final TaskIdGenerator ids;
  private final RandomGenerator random;
  private final Wakeups wakeups;
  private final Listener listener;
  private final Sweeper sweeper;
  private final byte[] leaseTokenKey;
  private final Thread background;
  private final Combiner<List<Completion>, List<Outcome>> completer;
  /**
   * Where batches run: platform threads, because a batch is a handful of JDBC round trips, each of
   * which on a virtual thread parks and resumes it through the poller (a quarter of the server's CPU
   * under W1 before this). Few are needed (a batch per queue and kind at a time); idle ones end.
   */
  private final ExecutorService batchThreads = Executors.newCachedThreadPool(
      Thread.ofPlatform().name("stoker-pg-batch-", 0).daemon(true).factory());
  private final ConcurrentHashMap<String, Combiner<List<TaskSpec>, List<EnqueueResult>>> enqueuers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Combiner<ClaimParams, List<Task>>> claimers = new ConcurrentHashMap<>();
  private volatile boolean draining;
  private volatile boolean closed;

  private PostgresStore(PostgresConfig config, Db db, Clock clock, DbClock dbClock, int node, RandomGenerator random,
      byte[] leaseTokenKey) {
    this.config = config;
    this.db = db;
    this.clock = clock;
    this.dbClock = dbClock;
    this.random = random;
    this.queues = new Queues(db);
    this.wakeups = new Wakeups();
    Due due = new Due();
    this.env = new Tx.Env(db, queues, new Hlc(clock), node, wakeups, due, config.channel());
    this.ids = new TaskIdGenerator(clock, node, random);
    this.sweeper = new Sweeper(this, clock, due);
    this.listener = new Listener(config.url(), config.channel(), wakeups);
    this.leaseTokenKey = leaseTokenKey;
    this.background = new Thread(this::background, "stoker-pg-sweeper");
    background.setDaemon(true);
    this.completer = new Combiner<>(this::completeBatch, MAX_BATCHED_REQUESTS, BATCHES_IN_FLIGHT, batchThreads);
  }

  /** Opens the store on the database's clock, with a node id the database hands out. */
  public static PostgresStore open(PostgresConfig config) {
    return open(config, null, -1, RandomGenerator.getDefault());
  }

  /**
   * Opens the store: migrates the schema if needed and starts the listener and the sweeper.
   *
   * @param clock the time source for run_at, leases and retention; null for the database's clock
   * @param node this server's id (0..65534), part of every task id and version; negative to take the next
   *     one from the database, which is what servers over one database should do unless each is given
   *     its own
   * @param random the source of task-id entropy and backoff jitter
   * @throws StoreUnavailableException when the database cannot be reached or migrated
   */
  public static PostgresStore open(PostgresConfig config, Clock clock, int node, RandomGenerator random) {
    if (node > 65534) {
      throw new IllegalArgumentException("node id must be 0..65534 (65535 is SQL's), was " + node);
    }
    Db db = new Db(config);
    try (Connection c = firstConnection(db)) {
      Migrations.apply(c, config.schema());
      DbClock dbClock = null;
      if (clock == null) {
        dbClock = new DbClock();
        dbClock.measure(c);
        clock = dbClock;
      }
      if (node < 0) {
        node = nextNodeId(c, db);
      }
      byte[] key = leaseTokenKey(c, db);
      c.commit();
      PostgresStore store = new PostgresStore(config, db, clock, dbClock, node, random, key);
      store.listener.start();
      store.background.start();
      log.info("PostgreSQL store in schema {} as node {}", config.schema(), node);
      return store;
    } catch (SQLException e) {
      db.close();
      throw new StoreUnavailableException("cannot open the PostgreSQL store: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /** How long a server waits at start-up for the database to accept a connection. */
  static final long STARTUP_WAIT_MS = 30_000;

  /** A connection, waiting up to {@link #STARTUP_WAIT_MS} for a database that is still starting. */
  private static Connection firstConnection(Db db) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_WAIT_MS);
    while (true) {
      try {
        return db.connection();
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /**
   * The next node id from the sequence, modulo 65535 (65535 is SQL's; V1__tasks.sql's comment says 65536,
   * but a shipped script is never edited, not even a comment: its checksum would change). After 65,535 starts, or with a
   * {@code --node-id} that equals a handed-out one, two live servers can share an id. That is harmless,
   * because nothing here needs node ids to be unique (docs/backends/postgres.md#node-ids):
   *
   * <ul>
   *   <li>task ids: the low word is random per millisecond (as for ids made in SQL, which all share node
   *       65535), so two servers with one id in one millisecond collide with odds of about 2^-63 per pair
   *       of ids, and a collision is a primary-key violation that fails the enqueue (503, nothing
   *       acknowledged), never a second task under one id;
   *   <li>versions and lease tokens: a task's row is only changed under its row lock, after reading it
   *       (which advances this server's HLC past the row's), and every claim after the first has a larger
   *       epoch or generation, so no two claims of a task share a token whatever the node;
   *   <li>nothing compares the versions of different servers to merge them: the database orders writes.
   * </ul>
   */
  private static int nextNodeId(Connection c, Db db) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(db.sql("SELECT nextval('${schema}.node_ids')"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return (int) (rs.getLong(1) % 65535);
    }
  }

  private static byte[] leaseTokenKey(Connection c, Db db) throws SQLException {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    try (PreparedStatement ins = c.prepareStatement(db.sql(
        "INSERT INTO ${schema}.meta (key, value) VALUES ('lease_token_key', ?) ON CONFLICT (key) DO NOTHING"))) {
      ins.setBytes(1, fresh);
      ins.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(db.sql(
        "SELECT value FROM ${schema}.meta WHERE key = 'lease_token_key'"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getBytes(1);
    }
  }

  /** The schema's name, the node id, and the time source: for logs. */
  public String describe() {
    return "schema " + config.schema() + ", node " + env.node() + (dbClock != null
        ? ", database clock (offset " + dbClock.offsetMs() + " ms)" : ", given clock");
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public <R> R run(Sweeper.TxWork<R> work) {
    if (closed) {
      throw new StoreUnavailableException("the store is closed");
    }
    Tx[] last = new Tx[1];
    R r = db.tx(c -> {
      Tx tx = new Tx(c, clock.millis(), env);
      last[0] = tx;
      R result = work.apply(tx);
      tx.flush();
      return result;
    });
    last[0].afterCommit();
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
    int queueId = queues.ensure(queue);
    return enqueuers.computeIfAbsent(queue, q -> new Combiner<List<TaskSpec>, List<EnqueueResult>>(
        batch -> enqueueBatch(q, queueId, batch), MAX_BATCHED_REQUESTS, BATCHES_IN_FLIGHT, batchThreads)).submit(specs);
  }

  /** Several enqueue requests into one queue, in one transaction; each keeps its own answer. */
  private List<List<EnqueueResult>> enqueueBatch(String queue, int queueId, List<List<TaskSpec>> requests) {
    return run(tx -> {
      QueueSettings s = queues.settings(tx.c, queueId, false);
      List<List<EnqueueResult>> answers = new ArrayList<>(requests.size());
      List<Task> plain = new ArrayList<>();
      for (List<TaskSpec> specs : requests) {
        List<EnqueueResult> out = new ArrayList<>(specs.size());
        for (TaskSpec spec : specs) {
          Task t = Transitions.enqueue(ids.next(), queue, spec, s, tx.stamp());
          if (t.uniqueKey() == null) {
            plain.add(t);
            out.add(new EnqueueResult(t, false));
          } else {
            out.add(enqueueKeyed(tx, queueId, t));
          }
        }
        answers.add(out);
      }
      tx.insertAll(plain, queueId);
      return answers;
    });
  }

  private EnqueueResult enqueueKeyed(Tx tx, int queueId, Task t) throws SQLException {
    while (true) {
      if (tx.insert(t, queueId)) {
        return new EnqueueResult(t, false);
      }
      List<Stored> live = tx.select("SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks"
          + " WHERE queue_id = ? AND unique_key = ? AND state <= 1", ps -> {
            ps.setInt(1, queueId);
            ps.setString(2, t.uniqueKey());
          });
      if (!live.isEmpty() && !live.get(0).task().state().isTerminal()) {
        return new EnqueueResult(live.get(0).task(), true);
      }
      // The holder finished in between: the key is free again.
    }
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams p) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.waitMs());
    long poll = TimeUnit.MILLISECONDS.toNanos(config.pollInterval().toMillis());
    while (true) {
      long seq = wakeups.seq(p.queue());
      List<Task> got = claimNow(p);
      long left = deadline - System.nanoTime();
      if (!got.isEmpty() || left <= 0 || draining || closed) {
        return got;
      }
      try {
        wakeups.await(p.queue(), seq, Math.min(left, poll));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }

  private List<Task> claimNow(ClaimParams p) {
    sweeper.sweepIfDue();
    return claimers.computeIfAbsent(p.queue(), q -> new Combiner<ClaimParams, List<Task>>(
        batch -> claimBatch(q, batch), MAX_BATCHED_REQUESTS, BATCHES_IN_FLIGHT, batchThreads)).submit(p);
  }

  /**
   * Several claim requests on one queue in one statement and one transaction: the first tasks in claim
   * order, handed out to the requests in the order they came, each under its own worker and lease.
   */
  private List<List<Task>> claimBatch(String queue, List<ClaimParams> requests) {
    return run(tx -> {
      List<List<Task>> answers = new ArrayList<>(requests.size());
      Integer queueId = queues.find(tx.c, queue);
      QueueSettings s = queueId == null ? null : queues.settings(tx.c, queueId, false);
      if (s == null || s.paused()) {
        requests.forEach(r -> answers.add(List.of()));
        return answers;
      }
      int wanted = requests.stream().mapToInt(ClaimParams::max).sum();
      List<Stored> ready = tx.lockAll("SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks"
          + " WHERE queue_id = ? AND state = 0 AND NOT scheduled ORDER BY priority DESC, run_at, id"
          + " LIMIT ? FOR UPDATE SKIP LOCKED", ps -> {
            ps.setInt(1, queueId);
            ps.setInt(2, wanted);
          });
      int next = 0;
      for (ClaimParams p : requests) {
        long leaseMs = p.leaseMsIn(s);
        List<Task> claimed = new ArrayList<>(Math.min(p.max(), ready.size() - next));
        for (; next < ready.size() && claimed.size() < p.max(); next++) {
          Task t = Transitions.claim(ready.get(next).task(), p.worker(), leaseMs, tx.stamp());
          tx.update(ready.get(next), t);
          claimed.add(t);
        }
        answers.add(claimed);
      }
      return answers;
    });
  }

  /** Locks one task, applies {@code change} and writes what it returns. */
  private Outcome change(TaskChange change) {
    return write(tx -> {
      Stored st = tx.lock(change.id());
      if (st == null) {
        return new Outcome.NotFound(change.id());
      }
      Task t = st.task();
      QueueSettings queue = change.readsQueueSettings() ? queues.settings(tx.c, queues.find(tx.c, t.queue()), false)
          : null;
      Outcome o = change.apply(t, queue, tx.stamp(), random);
      if (o instanceof Outcome.Ok ok) {
        tx.update(st, ok.task());
      }
      return o;
    });
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs) {
    return change(new TaskChange.Heartbeat(id, token, leaseMs));
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

  /** Several completion requests in one transaction, the rows locked in id order; one answer each. */
  private List<List<Outcome>> completeBatch(List<List<Completion>> requests) {
    return run(tx -> {
      UUID[] keys = requests.stream().flatMap(List::stream).map(c -> Rows.uuid(c.id())).distinct()
          .toArray(UUID[]::new);
      Map<TaskId, Stored> rows = new HashMap<>();
      for (Stored st : tx.lockAll("SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE id = ANY(?)"
          + " ORDER BY id FOR UPDATE", ps -> ps.setArray(1, tx.c.createArrayOf("uuid", keys)))) {
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

  /** Dead tasks of a queue, oldest first, whose unique key (if any) no live task holds. */
  private static final String REDRIVABLE = "SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks d"
      + " WHERE queue_id = ? AND state = 3 AND id > ? AND (unique_key IS NULL OR NOT EXISTS (SELECT 1"
      + " FROM ${schema}.tasks l WHERE l.queue_id = d.queue_id AND l.unique_key = d.unique_key AND l.state <= 1))"
      + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED";
  /** How many dead tasks up to an id a live task's hold on their unique key keeps dead. */
  private static final String HELD = "SELECT count(*) FROM ${schema}.tasks d"
      + " WHERE queue_id = ? AND state = 3 AND id < ? AND unique_key IS NOT NULL AND EXISTS (SELECT 1"
      + " FROM ${schema}.tasks l WHERE l.queue_id = d.queue_id AND l.unique_key = d.unique_key AND l.state <= 1)";

  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    return write(tx -> {
      Integer queueId = queues.find(tx.c, queue);
      if (queueId == null) {
        return RedriveResult.NONE;
      }
      // Two dead tasks with one key are both redrivable until the first moves (rows are written at
      // commit), so the keys moved here are tracked here; the later task is passed over.
      Set<String> keysMoved = new HashSet<>();
      int moved = 0;
      int skippedHere = 0;
      UUID after = new UUID(0, 0);
      UUID lastMoved = null;
      while (moved < limit) {
        UUID from = after;
        int wanted = limit - moved;
        List<Stored> dead = tx.lockAll(REDRIVABLE, ps -> {
          ps.setInt(1, queueId);
          ps.setObject(2, from);
          ps.setInt(3, wanted);
        });
        for (Stored st : dead) {
          String key = st.task().uniqueKey();
          if (key != null && !keysMoved.add(key)) {
            skippedHere++;
          } else {
            tx.update(st, Transitions.redrive(st.task(), tx.stamp()));
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
    return run(tx -> {
      QueueSettings next = patch.applyTo(queues.settings(tx.c, queueId, true));
      queues.update(tx.c, queueId, next);
      if (!next.paused()) {
        tx.wake(queue);
      }
      return next;
    });
  }

  @Override
  public Optional<Task> taskGet(TaskId id) {
    List<Stored> got = run(tx -> tx.select("SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE id = ?",
        ps -> ps.setObject(1, Rows.uuid(id))));
    return got.isEmpty() ? Optional.empty() : Optional.of(got.get(0).task());
  }

  @Override
  public Page taskList(ListParams p) {
    return run(tx -> {
      PageBuilder page = new PageBuilder(p); // in the transaction, which may be retried
      UUID from = page.after() == null ? new UUID(0, 0) : Rows.uuid(page.after());
      Integer queueId = queues.find(tx.c, p.queue());
      if (queueId == null) {
        return page.page();
      }
      String scan = "SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE queue_id = ?"
          + (p.state() != null ? " AND state = ?" : "") + " AND id > ? ORDER BY id LIMIT ?";
      for (Stored st : tx.select(scan, ps -> bindList(ps, queueId, p, from, page.rowsToRead()))) {
        if (!page.offer(st.task().id(), st.task())) {
          break;
        }
      }
      return page.page();
    });
  }

  private static void bindList(PreparedStatement ps, int queueId, ListParams p, UUID from, int limit)
      throws SQLException {
    int i = 1;
    ps.setInt(i++, queueId);
    if (p.state() != null) {
      ps.setShort(i++, (short) Rows.code(p.state()));
    }
    ps.setObject(i++, from);
    ps.setInt(i, limit);
  }

  private static final String SUMS = "sum(pending) AS pending, sum(scheduled) AS scheduled, sum(working) AS working,"
      + " sum(done) AS done, sum(dead) AS dead, sum(cancelled) AS cancelled";
  private static final String QUEUE_INFO = "SELECT q.id, q.name, " + "q." + Queues.SETTINGS.replace(", ", ", q.")
      + ", coalesce(n.pending, 0), coalesce(n.scheduled, 0), coalesce(n.working, 0), coalesce(n.done, 0),"
      + " coalesce(n.dead, 0), coalesce(n.cancelled, 0) FROM ${schema}.queues q LEFT JOIN LATERAL (SELECT " + SUMS
      + " FROM (SELECT * FROM ${schema}.counts c WHERE c.queue_id = q.id UNION ALL"
      + " SELECT queue_id, pending, scheduled, working, done, dead, cancelled FROM ${schema}.count_deltas d"
      + " WHERE d.queue_id = q.id) a) n ON true";

  @Override
  public QueueInfo queueGet(String queue) {
    List<QueueInfo> found = queueInfos(" WHERE q.name = ?", queue);
    return found.isEmpty() ? new QueueInfo(queue, QueueCounts.ZERO, QueueSettings.DEFAULT) : found.get(0);
  }

  @Override
  public List<QueueInfo> queueList() {
    return queueInfos(" ORDER BY q.name COLLATE \"C\"", null);
  }

  private List<QueueInfo> queueInfos(String tail, String name) {
    return run(tx -> {
      List<QueueInfo> out = new ArrayList<>();
      try (PreparedStatement ps = tx.c.prepareStatement(tx.sql(QUEUE_INFO + tail))) {
        if (name != null) {
          ps.setString(1, name);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            QueueSettings s = queues.settings(rs.getInt(1), rs, 3);
            int c = 3 + 7;
            out.add(new QueueInfo(rs.getString(2), new QueueCounts(rs.getLong(c), rs.getLong(c + 1),
                rs.getLong(c + 2), rs.getLong(c + 3), rs.getLong(c + 4), rs.getLong(c + 5)), s));
          }
        }
      }
      return out;
    });
  }

  @Override
  public byte[] leaseTokenKey() {
    return leaseTokenKey.clone();
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
    batchThreads.shutdown();
    try {
      background.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    db.close();
  }

  /** Sweeps every interval (sooner when this server knows something falls due), and re-reads the DB clock. */
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
