package dev.stoker.store.etcd;

import dev.stoker.core.Clock;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskIdGenerator;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Combiner;
import dev.stoker.core.store.CompletedAndClaimed;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.PageBuilder;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreCounters;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskChange;
import dev.stoker.core.store.TaskStore;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on etcd: any number of Stoker servers over one etcd cluster (docs/backends/etcd.md).
 * Every write is one etcd transaction, committed (by a quorum, fsynced) before the method returns,
 * that compares the mod revision of every task record it read: that compare is the fence that makes
 * a stale claim, a concurrent claim by another server or a late sweep lose. The rules of every
 * transition are those of {@link Transitions}; this class only decides which keys to read and
 * write.
 *
 * <p>A claim reads a bounded range at the head of the queue's ready keys (see {@link #candidates}),
 * the records of the candidates, and claims them in one transaction: delete the ready key, put the
 * working key, put the record, put the lock bound to this server's etcd lease.
 */
public final class EtcdStore implements TaskStore, LeaseTokenKeySource, StoreCounters {
  private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);

  /**
   * Claim attempts (each a read and a transaction) before a claim gives up on a contended queue.
   */
  private static final int CLAIM_ATTEMPTS = 8;

  /**
   * Attempts of a transaction whose compares failed because another writer changed a task between.
   */
  private static final int WRITE_ATTEMPTS = 16;

  /**
   * The most bytes of keys and values this store puts in one transaction of several tasks, well
   * under etcd's default request limit (1.5 MiB); a single task may take more, up to that limit.
   */
  static final int TXN_BYTES = 512 * 1024;

  /**
   * How long a waiting claim sleeps at most before it looks again (a missed wake-up costs this
   * much).
   */
  private static final long RECHECK_MS = 1_000;

  private final EtcdConfig config;
  private final Etcd etcd;
  private final Keys keys;
  private final Clock clock;
  private final Hlc hlc;
  private final int node;
  private final TaskIdGenerator ids;
  private final RandomGenerator random;
  private final byte[] leaseTokenKey;
  private final Session session;
  private final Waiters waiters = new Waiters();
  private final Floors floors = new Floors();
  private final Sweeper sweeper;
  private final PendingWatch watch;
  private final ElsewhereWatch elsewhere;
  private final Leadership leadership;
  private final AtomicLong conflicts = new AtomicLong();
  private final Written written = new Written();
  private final Batches batches;

  /**
   * Per queue, the width in run_at of the window a claim reads at the head of the ready keys:
   * adapted so that the window holds a few times the tasks a claim wants (etcd visits every key of
   * the range).
   */
  private final Map<String, Long> windows = new ConcurrentHashMap<>();

  private static final long MAX_WINDOW_MS = 3_600_000;

  /** Per queue, the revision of this server's last write that made a task of it ready. */
  private final Map<String, Long> readyWritten = new ConcurrentHashMap<>();

  /** The settings last read per queue: only for when to prune next, never for a rule. */
  private final Map<String, QueueSettings> settingsCache = new ConcurrentHashMap<>();

  private final int claimsPerTxn;

  /**
   * Per queue, the claims of this server's workers that go to etcd together (see {@link
   * #claimBatch}), and the completions that ride in their transaction ({@link Riders}): each item a
   * {@link ClaimParams} answered by its tasks, or a {@link Completion} answered by its outcome.
   */
  private final Map<String, Combiner<Object, Object>> claimers = new ConcurrentHashMap<>();

  /**
   * The completions of this server's workers that go to etcd together, as many as one transaction
   * takes.
   */
  private final Combiner<Completion, Outcome> completer;

  private volatile boolean draining;
  private volatile boolean closed;
  private volatile StoreObserver observer = StoreObserver.NONE;

  private EtcdStore(
      EtcdConfig config,
      Etcd etcd,
      Clock clock,
      int node,
      RandomGenerator random,
      byte[] tokenKey) {
    this.config = config;
    this.etcd = etcd;
    this.keys = new Keys(config.prefix());
    this.clock = clock;
    this.hlc = new Hlc(clock);
    this.node = node;
    this.ids = new TaskIdGenerator(clock, node, random);
    this.random = random;
    this.leaseTokenKey = tokenKey;
    this.session = new Session(etcd, config.sessionTtl().toSeconds());
    this.sweeper = new Sweeper(this, etcd, keys, clock);
    this.batches = new Batches(etcd, keys);
    this.watch = new PendingWatch(etcd, keys, floors, waiters);
    this.elsewhere = new ElsewhereWatch(etcd, keys, node, () -> observer);
    this.leadership =
        new Leadership(etcd, keys, session, node, sweeper, config.sweepInterval().toMillis());
    // A claim writes five keys per task: deletes the ready key (and the delayed one, in case), puts
    // the
    // working key, the record and the lock.
    this.claimsPerTxn = Math.max(1, config.maxTxnOps() / 5);
    // Two completion transactions in flight: completions of different tasks rarely touch the same
    // record.
    this.completer =
        new Combiner<>(
            this::changeAll,
            changesPerTxn(),
            2,
            r -> Thread.ofVirtual().name("stoker-etcd-complete").start(r));
  }

  /** Opens the store on the system clock with a node id etcd hands out. */
  public static EtcdStore open(EtcdConfig config) {
    return open(config, Clock.system(), -1, RandomGenerator.getDefault());
  }

  /**
   * Connects, makes the shared lease-token key on first use, starts the watch and the campaign for
   * the sweeping role.
   *
   * @param clock the time source for run_at, leases and retention (servers over one cluster need
   *     synchronised clocks, as with any lease)
   * @param node this server's id (0..65535), or negative to take the next one from etcd
   * @param random the source of task-id entropy, backoff jitter and the spread of contended claims
   * @throws StoreUnavailableException when etcd cannot be reached
   */
  public static EtcdStore open(EtcdConfig config, Clock clock, int node, RandomGenerator random) {
    Client client = Connection.open(config);
    Etcd etcd = new Etcd(client, config.requestTimeout().toMillis());
    try {
      Keys keys = new Keys(config.prefix());
      byte[] tokenKey = firstCall(() -> tokenKey(etcd, keys));
      if (node < 0) {
        node = nextNodeId(etcd, keys);
      } else if (node > 0xFFFF) {
        throw new IllegalArgumentException("node id must be 0..65535, was " + node);
      }
      EtcdStore store = new EtcdStore(config, etcd, clock, node, random, tokenKey);
      store.watch.start();
      store.elsewhere.start();
      store.leadership.start();
      log.info("etcd store at {} under {} as node {}", config.endpoints(), keys.root(), node);
      return store;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** How long a server waits at start-up for etcd to answer (a cluster that is still starting). */
  static final long STARTUP_WAIT_MS = 30_000;

  /**
   * The first call to etcd, repeated for up to {@link #STARTUP_WAIT_MS} while etcd does not answer.
   */
  private static <T> T firstCall(java.util.function.Supplier<T> call) {
    long deadline = System.nanoTime() + STARTUP_WAIT_MS * 1_000_000;
    while (true) {
      try {
        return call.get();
      } catch (StoreUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private static byte[] tokenKey(Etcd etcd, Keys keys) {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    ByteSequence k = keys.tokenKey();
    etcd.txn(
        new Cmp[] {new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))},
        new Op[] {Op.put(k, ByteSequence.from(fresh), PutOption.DEFAULT)},
        new Op[0]);
    return etcd.get(k).getValue().getBytes();
  }

  /** The next node id: a counter in etcd, incremented by compare-and-swap, modulo 65536. */
  private static int nextNodeId(Etcd etcd, Keys keys) {
    ByteSequence k = keys.nodeSeq();
    while (true) {
      KeyValue kv = etcd.get(k);
      long last = kv == null ? -1 : Long.parseLong(Keys.text(kv.getValue()));
      Cmp cmp =
          kv == null
              ? new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))
              : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision()));
      if (etcd.txn(
              new Cmp[] {cmp},
              new Op[] {Op.put(k, Keys.bytes(Long.toString(last + 1)), PutOption.DEFAULT)},
              new Op[0])
          .isSucceeded()) {
        return (int) ((last + 1) % 65536);
      }
    }
  }

  /** Endpoints, prefix and node id: for logs. */
  public String describe() {
    return "endpoints " + config.endpoints() + ", prefix " + keys.root() + ", node " + node;
  }

  /** Claim transactions that lost to another writer (a measure of contention between servers). */
  public long claimConflicts() {
    return conflicts.get();
  }

  @Override
  public List<Counter> counters() {
    return List.of(
        new Counter(
            "stoker.etcd.claim.conflicts",
            "claim transactions of this server that did nothing "
                + "because another writer changed one of their tasks first (only those tasks are picked again)",
            conflicts::get));
  }

  Stamp stamp(long now) {
    return new Stamp(now, hlc.now(), node);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading and writing tasks

  private Stored stored(KeyValue kv) {
    Task t = Codec.task(kv.getValue());
    hlc.observe(t.version().hlc());
    return new Stored(t, kv.getModRevision());
  }

  /** The records of these tasks (null where there is none), in order. */
  private List<Stored> read(List<TaskId> taskIds) {
    List<KeyValue> kvs = etcd.getAll(taskIds.stream().map(keys::task).toList(), config.maxTxnOps());
    List<Stored> out = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      out.add(kv == null ? null : stored(kv));
    }
    return out;
  }

  /**
   * Commits the writes; false when a compare failed (another writer changed a task in between). On
   * success it tells the waiters, the floors and the sweeper what changed.
   */
  private boolean commit(Writes w) {
    if (w.isEmpty()) {
      return true;
    }
    long start = System.nanoTime();
    TxnResponse r = etcd.txn(w.cmps(), w.ops(), w.otherwise());
    long took = System.nanoTime() - start;
    // A failed compare may be our own write: jetcd repeats a call whose answer was lost (a leader
    // change), and the repeat fails on what the first attempt wrote.
    if (!r.isSucceeded() && (w.changed().isEmpty() || !committedAnyway(w.changed()))) {
      w.conflicted(r.getGetResponses());
      written.forget(w.changed().stream().map(Task::id).toList());
      return false;
    }
    long revision = r.getHeader().getRevision();
    if (r.isSucceeded()) {
      written.committed(w.changed(), revision); // every record it put has this mod revision
    } else {
      written.forget(w.changed().stream().map(Task::id).toList());
    }
    for (Task t : w.madeReady()) {
      readyWritten.merge(t.queue(), revision, Math::max);
      floors.lower(t.queue(), Keys.text(keys.ready(t)));
      waiters.wake(t.queue());
    }
    for (Task t : w.changed()) {
      noteDue(t);
    }
    StoreObserver o = observer;
    o.synced(took);
    w.committed(o);
    return true;
  }

  private void noteDue(Task t) {
    switch (t.state()) {
      case PENDING -> {
        if (t.runAt() > clock.millis()) {
          sweeper.note(t.runAt());
        }
      }
      case WORKING -> sweeper.note(t.lease().expiresAt() + 1);
      default -> {
        QueueSettings s = settingsCache.get(t.queue());
        sweeper.note(
            t.updatedAt() + (s != null ? s.retentionMs() : QueueSettings.DEFAULT.retentionMs()));
      }
    }
  }

  /** What a sweep does to one indexed task: add its change to the writes, or say it has none. */
  @FunctionalInterface
  interface IndexedStep {
    boolean apply(Writes w, Stored st);
  }

  /**
   * Applies {@code step} to the tasks named by these index keys (ids at their end), a transaction
   * per chunk, each retried with fresh reads when another writer got in between. Returns how many
   * changed.
   */
  int applyToIndexed(List<KeyValue> indexKeys, long now, IndexedStep step) {
    List<TaskId> taskIds =
        indexKeys.stream().map(kv -> Keys.idAtEnd(Keys.text(kv.getKey()))).toList();
    int changed = 0;
    int chunk = Math.max(1, config.maxTxnOps() / 8);
    for (int from = 0; from < taskIds.size(); from += chunk) {
      changed +=
          applyToIds(taskIds.subList(from, Math.min(taskIds.size(), from + chunk)), now, step);
    }
    return changed;
  }

  private int applyToIds(List<TaskId> part, long now, IndexedStep step) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      Writes w = new Writes(keys, now, 0);
      int n = 0;
      for (Stored st : read(part)) {
        if (st != null && step.apply(w, st)) {
          n++;
        }
      }
      if (w.bytes() > TXN_BYTES && part.size() > 1) {
        int half = part.size() / 2;
        return applyToIds(part.subList(0, half), now, step)
            + applyToIds(part.subList(half, part.size()), now, step);
      }
      if (commit(w)) {
        return n;
      }
    }
    return 0;
  }

  /**
   * Reads the task, expires its claim first if the lease ran out (so no operation acts on a claim
   * that is over, whether or not a sweep got to it), applies {@code change} and writes the result
   * in one transaction that compares the record as read.
   */
  private Outcome change(TaskChange change) {
    return changeAll(List.of(change)).get(0);
  }

  private List<Outcome> changeAll(List<? extends TaskChange> changes) {
    sweeper.sweepIfDue();
    List<Outcome> out = new ArrayList<>(Collections.nCopies(changes.size(), null));
    int chunk = changesPerTxn();
    for (int from = 0; from < changes.size(); from += chunk) {
      int to = Math.min(changes.size(), from + chunk);
      changeChunk(changes.subList(from, to), out, from);
    }
    return out;
  }

  /** Up to 6 writes per changed task (record, two index keys out, two in, lock or unique key). */
  private int changesPerTxn() {
    return Math.max(1, config.maxTxnOps() / 6);
  }

  private void changeChunk(List<? extends TaskChange> changes, List<Outcome> out, int offset) {
    List<TaskId> taskIds = changes.stream().map(TaskChange::id).toList();
    for (int attempt = 0; ; attempt++) {
      long now = clock.millis();
      List<Stored> before = attempt == 0 ? readUnlessWritten(taskIds) : read(taskIds);
      Map<TaskId, Stored> current = new HashMap<>();
      Map<TaskId, Task> intended = new LinkedHashMap<>();
      List<Outcome> outcomes = new ArrayList<>(taskIds.size());
      List<Task> expiredHere = new ArrayList<>();
      boolean needsLease = false;
      for (int i = 0; i < taskIds.size(); i++) {
        TaskId id = taskIds.get(i);
        Stored st = current.containsKey(id) ? current.get(id) : before.get(i);
        if (st == null) {
          outcomes.add(new Outcome.NotFound(id));
          continue;
        }
        Task t = st.task();
        if (t.isLeaseExpiredAt(now)) {
          t = Transitions.expire(t, stamp(now));
          intended.put(id, t);
          expiredHere.add(t);
        }
        TaskChange change = changes.get(i);
        Outcome o =
            change.apply(
                t,
                change.readsQueueSettings() ? settingsOrDefault(t.queue()) : null,
                stamp(now),
                random);
        if (o instanceof Outcome.Ok ok) {
          t = ok.task();
          intended.put(id, t);
          needsLease |= t.state() == TaskState.WORKING;
        }
        current.put(id, new Stored(t, st.modRevision()));
        outcomes.add(o);
      }
      if (attempt == 0 && outcomes.stream().anyMatch(o -> !(o instanceof Outcome.Ok))) {
        // A refusal writes nothing, so no compare would catch a guess that was out of date (a
        // task claimed again through another server): it is only given on records read.
        continue;
      }
      Writes w = new Writes(keys, now, needsLease ? session.id() : 0);
      expiredHere.forEach(w::expired);
      for (int i = 0; i < taskIds.size(); i++) {
        TaskId id = taskIds.get(i);
        if (intended.containsKey(id)
            && before.get(i) != null
            && w.changed().stream().noneMatch(c -> c.id().equals(id))) {
          w.update(before.get(i), intended.get(id));
        }
      }
      if (w.bytes() > TXN_BYTES && taskIds.size() > 1) {
        // Records carry params and results: halves, until each transaction fits etcd's request
        // limit.
        int half = taskIds.size() / 2;
        changeChunk(changes.subList(0, half), out, offset);
        changeChunk(changes.subList(half, changes.size()), out, offset + half);
        return;
      }
      if (commitFenced(w)) {
        for (int i = 0; i < outcomes.size(); i++) {
          out.set(offset + i, outcomes.get(i));
        }
        return;
      }
      if (attempt + 1 >= WRITE_ATTEMPTS) {
        throw new StoreUnavailableException(
            "etcd: gave up after "
                + WRITE_ATTEMPTS
                + " conflicting writes to "
                + taskIds.size()
                + " task(s)");
      }
    }
  }

  /**
   * The records of these tasks (null where there is none), in order: as this server last wrote them
   * where it did ({@link Written}: a worker completing or heartbeating through the server that gave
   * it the claim costs no read), the others read from etcd in one round trip.
   */
  private List<Stored> readUnlessWritten(List<TaskId> taskIds) {
    List<Stored> out = new ArrayList<>(taskIds.size());
    List<TaskId> unknown = new ArrayList<>();
    for (TaskId id : taskIds) {
      Stored st = written.get(id);
      out.add(st);
      if (st == null) {
        unknown.add(id);
      }
    }
    if (!unknown.isEmpty()) {
      Iterator<Stored> got = read(unknown).iterator();
      for (int i = 0; i < out.size(); i++) {
        if (out.get(i) == null) {
          out.set(i, got.next());
        }
      }
    }
    return out;
  }

  /**
   * Commits writes that change tasks (claims, worker operations): a lease that vanished under us is
   * replaced and the write retried (false); a write whose answer was lost (timeout, leader change)
   * counts as committed when the records now read exactly as it wrote them, so that a claim that
   * committed during an etcd failover is handed out rather than left held by nobody until its lease
   * ends, and a completion is answered 200 rather than 503 followed by 409 on the retry.
   */
  private boolean commitFenced(Writes w) {
    try {
      return commit(w);
    } catch (StoreUnavailableException e) {
      if (Etcd.isLeaseNotFound(e)) {
        session.lost(w.lease(), "a write said it is not found");
        return false;
      }
      if (!w.changed().isEmpty() && committedAnyway(w.changed())) {
        written.forget(w.changed().stream().map(Task::id).toList());
        w.committed(observer);
        return true;
      }
      throw e;
    }
  }

  /**
   * Whether every one of these tasks is stored exactly so (a write of ours committed); false if
   * unsure.
   */
  private boolean committedAnyway(List<Task> intended) {
    try {
      List<Stored> now = read(intended.stream().map(Task::id).toList());
      for (int i = 0; i < intended.size(); i++) {
        if (now.get(i) == null || !now.get(i).task().equals(intended.get(i))) {
          return false;
        }
      }
      return true;
    } catch (StoreUnavailableException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queues

  /** The queue's settings, or null when it was never used or configured. */
  private QueueSettings settings(String queue) {
    KeyValue kv = etcd.get(keys.queue(queue));
    return kv == null ? null : remember(queue, Codec.settings(kv.getValue()));
  }

  private QueueSettings remember(String queue, QueueSettings s) {
    settingsCache.put(queue, s);
    return s;
  }

  /** The queue's settings, creating the queue with the defaults when it is new. */
  private QueueSettings ensure(String queue) {
    QueueSettings s = settings(queue);
    if (s != null) {
      return s;
    }
    ByteSequence k = keys.queue(queue);
    etcd.txn(
        new Cmp[] {new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))},
        new Op[] {Op.put(k, Codec.settings(QueueSettings.DEFAULT), PutOption.DEFAULT)},
        new Op[0]);
    return settings(queue);
  }

  /** Every queue's settings, by name. */
  Map<String, QueueSettings> queueSettings() {
    String prefix = keys.queuePrefix();
    Map<String, QueueSettings> out = new TreeMap<>();
    for (KeyValue kv : etcd.range(prefix, Keys.end(prefix), 0, false, false).getKvs()) {
      String name = Keys.text(kv.getKey()).substring(prefix.length());
      out.put(name, remember(name, Codec.settings(kv.getValue())));
    }
    return out;
  }

  @Override
  public QueueSettings queueUpdate(String queue, SettingsPatch patch) {
    patch.applyTo(QueueSettings.DEFAULT); // refuses a bad value before the queue is created
    sweeper.sweepIfDue();
    ensure(queue);
    ByteSequence k = keys.queue(queue);
    while (true) {
      KeyValue kv = etcd.get(k);
      QueueSettings next = patch.applyTo(Codec.settings(kv.getValue()));
      if (etcd.txn(
              new Cmp[] {new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision()))},
              new Op[] {Op.put(k, Codec.settings(next), PutOption.DEFAULT)},
              new Op[0])
          .isSucceeded()) {
        remember(queue, next);
        if (!next.paused()) {
          waiters.wake(queue);
        }
        return next;
      }
    }
  }

  @Override
  public QueueInfo queueGet(String queue) {
    sweeper.sweepIfDue();
    List<QueueInfo> one = infos(List.of(queue));
    return one.get(0);
  }

  @Override
  public List<QueueInfo> queueList() {
    sweeper.sweepIfDue();
    return infos(new ArrayList<>(queueSettings().keySet()));
  }

  /**
   * Settings and counts, read in one transaction per queue: counts are the sizes of the index
   * prefixes.
   */
  private List<QueueInfo> infos(List<String> queues) {
    List<QueueInfo> out = new ArrayList<>(queues.size());
    for (String q : queues) {
      Op[] reads = {
        Op.get(keys.queue(q), GetOption.DEFAULT),
        Etcd.count(keys.ready(q)),
        Etcd.count(keys.delayed(q)),
        Etcd.count(keys.working(q)),
        Etcd.count(keys.finished(q, TaskState.DONE)),
        Etcd.count(keys.finished(q, TaskState.DEAD)),
        Etcd.count(keys.finished(q, TaskState.CANCELLED))
      };
      List<GetResponse> r = etcd.txn(new Cmp[0], reads, new Op[0]).getGetResponses();
      QueueSettings s =
          r.get(0).getKvs().isEmpty()
              ? QueueSettings.DEFAULT
              : remember(q, Codec.settings(r.get(0).getKvs().get(0).getValue()));
      out.add(
          new QueueInfo(
              q,
              new QueueCounts(
                  r.get(1).getCount(),
                  r.get(2).getCount(),
                  r.get(3).getCount(),
                  r.get(4).getCount(),
                  r.get(5).getCount(),
                  r.get(6).getCount()),
              s));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Enqueue

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    sweeper.sweepIfDue();
    QueueSettings s = ensure(queue);
    Stamp at = stamp(clock.millis());
    // The ids are fixed before the first attempt, so a repeated attempt writes the same keys.
    List<Task> made =
        specs.stream().map(spec -> Transitions.enqueue(ids.next(), queue, spec, s, at)).toList();
    if (made.size() == 1 || transactions(made, at.now()).size() == 1) {
      return writeOut(queue, made, at.now(), null, false);
    }
    // More than one transaction: stored at once as a batch, then written out (see Batches).
    Batches.Intent batch = batches.store(made, session.id(), this::writeOutLater);
    List<EnqueueResult> results;
    try {
      results = writeOut(queue, made, at.now(), batch, false);
    } catch (RuntimeException e) {
      batches.finishLater(batch, this::writeOutLater);
      throw e;
    }
    try {
      batches.finish(batch);
    } catch (StoreUnavailableException e) {
      batches.finishLater(batch, this::writeOutLater); // every task is written: the reply stands
    }
    return results;
  }

  /** Writes out a stored batch that its writer did not finish (see Batches), as it stands now. */
  private void writeOutLater(Batches.Intent batch, List<Task> made) {
    String queue = made.get(0).queue();
    ensure(queue);
    writeOut(queue, made, clock.millis(), batch, true);
  }

  /** The sweeping server's part of {@link Batches}: the batches whose writer is gone. */
  void takeOverBatches() {
    batches.takeOverAbandoned(session.id(), this::writeOutLater);
  }

  /**
   * Writes these new tasks, each unless its unique key is held by a live task; their results. With
   * a {@code batch}, each transaction requires it open, and a task already stored (a write of this
   * batch by an earlier attempt, or by another writer when {@code resumed}) is not written again.
   */
  private List<EnqueueResult> writeOut(
      String queue, List<Task> made, long now, Batches.Intent batch, boolean resumed) {
    Map<TaskId, Boolean> written = new HashMap<>();
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (batch != null && (resumed || attempt > 0)) {
        markStored(made, written);
      }
      Map<String, Task> holders = liveHolders(queue, made, written);
      List<EnqueueResult> results = new ArrayList<>(made.size());
      List<Task> create = new ArrayList<>();
      Map<String, Task> inBatch = new HashMap<>();
      for (Task t : made) {
        String key = t.uniqueKey();
        Task holder = key == null ? null : holders.getOrDefault(key, inBatch.get(key));
        if (holder != null && !holder.id().equals(t.id())) {
          results.add(new EnqueueResult(holder, true));
          continue;
        }
        if (key != null) {
          inBatch.put(key, t);
        }
        results.add(new EnqueueResult(t, false));
        if (!written.containsKey(t.id())) {
          create.add(t);
        }
      }
      if (writeNew(create, now, written, batch)) {
        return results;
      }
      if (batch != null && !batches.isOpen(batch)) {
        throw new StoreUnavailableException(
            "etcd: another server finished writing out this batch (this server was cut off from"
                + " etcd for longer than its lease); every task of it is stored");
      }
    }
    throw new StoreUnavailableException(
        "etcd: gave up enqueueing after " + WRITE_ATTEMPTS + " conflicts on unique keys");
  }

  /**
   * The live tasks holding the unique keys of {@code made} (a task of ours already written holds
   * its own).
   */
  private Map<String, Task> liveHolders(
      String queue, List<Task> made, Map<TaskId, Boolean> written) {
    List<String> uniqueKeys =
        made.stream().map(Task::uniqueKey).filter(k -> k != null).distinct().toList();
    Map<String, Task> out = new HashMap<>();
    if (uniqueKeys.isEmpty()) {
      return out;
    }
    List<KeyValue> held =
        etcd.getAll(
            uniqueKeys.stream().map(k -> keys.unique(queue, k)).toList(), config.maxTxnOps());
    List<TaskId> holderIds = new ArrayList<>();
    List<String> holderKeys = new ArrayList<>();
    for (int i = 0; i < uniqueKeys.size(); i++) {
      if (held.get(i) != null) {
        holderIds.add(TaskId.parse(Keys.text(held.get(i).getValue())));
        holderKeys.add(uniqueKeys.get(i));
      }
    }
    List<Stored> bodies = read(holderIds);
    for (int i = 0; i < holderIds.size(); i++) {
      Stored st = bodies.get(i);
      if (st != null && !st.task().state().isTerminal()) {
        out.put(holderKeys.get(i), st.task());
      }
    }
    return out;
  }

  /**
   * Writes new tasks, as many per transaction as etcd allows, up to {@link #ENQUEUE_TXNS_IN_FLIGHT}
   * transactions at once; returns false when a unique key was taken in between (the caller reads
   * the holders again). A transaction whose compare failed because its tasks already exist as
   * written is one of our own earlier attempts that committed after all: that counts as written
   * ({@link #commit}), which is what makes a retried enqueue write nothing twice.
   */
  private boolean writeNew(
      List<Task> create, long now, Map<TaskId, Boolean> written, Batches.Intent batch) {
    List<Writes> txns = transactions(create, now);
    List<List<Task>> parts = new ArrayList<>();
    int from = 0;
    for (Writes w : txns) {
      if (batch != null) {
        w.require(batch.stillOpen());
      }
      parts.add(create.subList(from, from += w.changed().size()));
    }
    boolean allWritten = true;
    StoreUnavailableException failure = null;
    for (int wave = 0; wave < txns.size(); wave += ENQUEUE_TXNS_IN_FLIGHT) {
      List<Writes> these = txns.subList(wave, Math.min(txns.size(), wave + ENQUEUE_TXNS_IN_FLIGHT));
      List<Object> results = inParallel(these);
      for (int i = 0; i < these.size(); i++) {
        if (results.get(i) instanceof StoreUnavailableException e) {
          failure = failure != null ? failure : e;
        } else if (Boolean.TRUE.equals(results.get(i))) {
          parts.get(wave + i).forEach(t -> written.put(t.id(), true));
        } else {
          allWritten = false;
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
    return allWritten;
  }

  /**
   * The transactions that create these tasks, as many per transaction as etcd allows: its op limit
   * (less one for a batch's compare), and its request size limit.
   */
  private List<Writes> transactions(List<Task> create, long now) {
    List<Writes> txns = new ArrayList<>();
    int from = 0;
    while (from < create.size()) {
      Writes w = new Writes(keys, now, 0);
      int to = from;
      while (to < create.size()
          && (to == from || (w.size() + 5 <= config.maxTxnOps() && w.bytes() < TXN_BYTES))) {
        w.create(create.get(to++));
      }
      txns.add(w);
      from = to;
    }
    return txns;
  }

  /** Notes the tasks of {@code made} that are stored already (in any state) as written. */
  private void markStored(List<Task> made, Map<TaskId, Boolean> written) {
    List<TaskId> unknown =
        made.stream().map(Task::id).filter(id -> !written.containsKey(id)).toList();
    List<Stored> now = read(unknown);
    for (int i = 0; i < unknown.size(); i++) {
      if (now.get(i) != null) {
        written.put(unknown.get(i), true);
      }
    }
  }

  /** Transactions of one enqueue in flight at once: a batch of 1,000 small tasks takes about 32. */
  private static final int ENQUEUE_TXNS_IN_FLIGHT = 8;

  /**
   * Commits each of these (once more after a lost answer), at once; per transaction its outcome or
   * its failure.
   */
  private List<Object> inParallel(List<Writes> txns) {
    if (txns.size() == 1) {
      return List.of(commitOrFailure(txns.get(0)));
    }
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Object>> running =
          txns.stream().map(w -> threads.submit(() -> commitOrFailure(w))).toList();
      List<Object> out = new ArrayList<>(running.size());
      for (Future<Object> f : running) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while writing to etcd", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    }
  }

  private Object commitOrFailure(Writes w) {
    try {
      try {
        return commit(w);
      } catch (StoreUnavailableException e) {
        return retryOnce(w, e);
      }
    } catch (StoreUnavailableException e) {
      return e;
    }
  }

  /** A write that failed for want of an answer is sent once more: it may have committed, or not. */
  private boolean retryOnce(Writes w, StoreUnavailableException first) {
    try {
      return commit(w);
    } catch (StoreUnavailableException again) {
      throw first;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Claims

  @Override
  public List<Task> taskClaimMany(ClaimParams p) {
    long deadline = System.nanoTime() + p.waitMs() * 1_000_000;
    while (true) {
      long seen = waiters.generation(p.queue());
      List<Task> got = claimNow(p);
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (!got.isEmpty() || left <= 0 || draining || closed) {
        return got;
      }
      try {
        waiters.await(p.queue(), seen, Math.min(left, RECHECK_MS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private List<Task> claimNow(ClaimParams p) {
    return (List<Task>) answer(queueCombiner(p.queue()).submit(p));
  }

  private Combiner<Object, Object> queueCombiner(String queue) {
    return claimers.computeIfAbsent(
        queue, q -> new Combiner<>(batch -> queueBatch(q, batch), claimsPerTxn));
  }

  /** An answer of {@link #queueBatch}: a failure is thrown to its request alone. */
  private static Object answer(Object o) {
    if (o instanceof RuntimeException e) {
      throw e;
    }
    return o;
  }

  /**
   * A finish-and-claim in a queue's claim batch: its claim is made only if its completion rides in
   * the batch's first claim transaction and that commits.
   */
  private record Finish(Completion completion, ClaimParams next) {}

  /** The answer to a {@link Finish}: {@code claimed} null when its claim was not made. */
  private record Finished(Outcome outcome, List<Task> claimed) {}

  /**
   * A batch of a queue's claims and the completions that came with them (see {@link Riders}): the
   * completions ride in the first claim transaction when they can, and are written on their own (as
   * {@link #taskComplete} does otherwise) when they cannot, or when that transaction fails or is
   * never made (nothing to claim, a paused queue). The claim of a finish-and-claim ({@link Finish})
   * joins the batch only when its completion rides, and is withdrawn when that transaction fails:
   * it never claims before its completion committed.
   */
  @SuppressWarnings("unchecked") // a claim's answer in a batch is its tasks
  private List<Object> queueBatch(String queue, List<Object> batch) {
    List<Completion> completions = new ArrayList<>();
    boolean anyClaim = false;
    for (Object o : batch) {
      if (o instanceof Completion c) {
        completions.add(c);
      } else if (o instanceof Finish f) {
        completions.add(f.completion());
        anyClaim = true;
      } else {
        anyClaim = true;
      }
    }
    long now = clock.millis();
    Riders riders =
        new Riders(
            anyClaim ? completions : List.of(),
            written,
            keys,
            now,
            this::stamp,
            config.maxTxnOps() / 2,
            TXN_BYTES / 2);
    List<ClaimParams> claims = new ArrayList<>();
    List<Integer> conditional = new ArrayList<>();
    boolean[] claiming = new boolean[batch.size()];
    int completion = 0;
    for (int i = 0; i < batch.size(); i++) {
      Object o = batch.get(i);
      if (o instanceof ClaimParams p) {
        claims.add(p);
        claiming[i] = true;
      } else if (o instanceof Finish f && riders.rides(completion++)) {
        conditional.add(claims.size());
        claims.add(f.next());
        claiming[i] = true;
      } else if (o instanceof Completion) {
        completion++;
      }
    }
    // A failure answers the requests it concerns, not the riders that committed before it.
    Iterator<List<Task>> claimed = null;
    RuntimeException claimFailed = null;
    try {
      claimed = claims.isEmpty() ? null : claimBatch(queue, claims, riders, conditional).iterator();
    } catch (RuntimeException e) {
      claimFailed = e;
    }
    List<Outcome> outcomes = riders.outcomes(completions.size());
    List<Completion> left = new ArrayList<>();
    for (int i = 0; i < completions.size(); i++) {
      if (outcomes.get(i) == null) {
        left.add(completions.get(i));
      }
    }
    Iterator<Outcome> written = null;
    RuntimeException writeFailed = null;
    try {
      written = (left.isEmpty() ? List.<Outcome>of() : changeAll(left)).iterator();
    } catch (RuntimeException e) {
      writeFailed = e;
    }
    Iterator<Outcome> completed = outcomes.iterator();
    List<Object> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Object o = batch.get(i);
      Object claim = null;
      if (claiming[i]) {
        claim = claimFailed != null ? claimFailed : claimed.next();
      }
      if (o instanceof ClaimParams) {
        out.add(claim);
        continue;
      }
      Outcome rode = completed.next();
      Object outcome = rode != null ? rode : writeFailed != null ? writeFailed : written.next();
      if (!(o instanceof Finish) || outcome instanceof RuntimeException) {
        out.add(outcome);
      } else if (rode == null) {
        out.add(new Finished((Outcome) outcome, null)); // written alone: claims apart
      } else {
        out.add(claim instanceof RuntimeException ? claim : new Finished(rode, (List<Task>) claim));
      }
    }
    return out;
  }

  /**
   * The claim requests of this server's workers on one queue that arrived together, served by as
   * few transactions as etcd's limits allow: one while the requests want no more than {@link
   * #claimsPerTxn} tasks in all. The tasks go to the requests in the order they came, each under
   * its own worker and lease. When another writer took some of the candidates first (the
   * transaction did nothing), its else branch has read their records back: the candidates nobody
   * touched are kept, and only the lost ones are replaced, picked at random among the first few
   * ready keys so that contending servers spread out.
   */
  private List<List<Task>> claimBatch(
      String queue, List<ClaimParams> requests, Riders riders, List<Integer> conditional) {
    sweeper.sweepIfDue();
    ClaimShares shares = new ClaimShares(requests);
    QueueSeen s = null;
    List<Stored> kept = List.of();
    boolean sweptOnDemand = false;
    int attempt = 0;
    while (shares.left() > 0 && attempt < CLAIM_ATTEMPTS) {
      int want = Math.min(shares.left(), Math.max(1, (config.maxTxnOps() - riders.ops()) / 5));
      Floors.Snapshot floor = floors.get(queue);
      List<Stored> picked = new ArrayList<>(kept.subList(0, Math.min(kept.size(), want)));
      kept = List.of();
      int more = want - picked.size();
      List<String> fresh = List.of();
      if (more > 0) {
        Set<String> have =
            picked.stream().map(st -> Keys.text(keys.ready(st.task()))).collect(Collectors.toSet());
        List<String> found =
            candidates(queue, floor, attempt == 0 ? want : 2 * want + 8).stream()
                .filter(k -> !have.contains(k))
                .toList();
        if (found.isEmpty() && picked.isEmpty()) {
          if (!sweptOnDemand && sweeper.onDemand(queue)) {
            sweptOnDemand = true;
            continue;
          }
          break;
        }
        fresh = attempt == 0 ? found.subList(0, Math.min(more, found.size())) : spread(found, more);
      }
      if (!fresh.isEmpty() || s == null) {
        Claimable c = claimable(queue, fresh);
        s = c.settings();
        if (s == null || s.settings().paused()) {
          return shares.got();
        }
        picked.addAll(c.tasks());
      }
      if (picked.isEmpty()) {
        attempt++;
        continue;
      }
      picked.sort(Comparator.comparing(st -> Keys.text(keys.ready(st.task()))));
      Writes w = claimWrites(queue, picked, shares, s);
      int claims = w.changed().size();
      boolean riding = riders.rideIn(w);
      if (commitFenced(w)) {
        if (riding) {
          riders.committed();
        }
        shares.handOut(w.changed().subList(0, claims));
        if (attempt == 0 && fresh.size() == picked.size() && claims == picked.size()) {
          // Everything below the last key taken is gone now: the next claim starts after it.
          floors.raise(queue, Keys.after(fresh.get(fresh.size() - 1)), floor);
        }
        continue;
      }
      if (riding) {
        // The claims of finish-and-claims go only with their completions: they claim apart.
        conditional.forEach(shares::withdraw);
      }
      attempt++;
      List<GetResponse> now = w.readOnConflict();
      if (!now.isEmpty()) {
        kept = untouched(picked.subList(0, claims), now.subList(0, claims));
        if (kept.size() < claims) {
          conflicts.incrementAndGet();
        }
      }
      // The settings may have changed instead (or a rider's task): read them again.
      seenSettings.remove(queue);
      s = null;
    }
    return shares.got();
  }

  /**
   * A queue's settings as a claim last read them, with the mod revision of their key: the claim
   * transaction compares it, so a claim decided on settings that changed since (a pause, another
   * lease) does nothing.
   */
  private record QueueSeen(QueueSettings settings, long modRevision) {}

  /**
   * Per queue, the settings as the last claim read them: a claim whose candidates this server wrote
   * itself ({@link Written}) reads nothing before its transaction.
   */
  private final Map<String, QueueSeen> seenSettings = new ConcurrentHashMap<>();

  /** The queue's settings (null: no such queue) and the tasks a claim may take. */
  private record Claimable(QueueSeen settings, List<Stored> tasks) {}

  /**
   * The queue's settings and the records of the tasks of these ready keys that are still ready, in
   * one read (a claim's round trips are its cost); a stale key (read from a lagging member) is
   * passed over. Records this server wrote itself ({@link Written}) and settings a claim read
   * before are not read again: the claim transaction compares both, so a guess that is out of date
   * makes it fail and the next attempt reads.
   */
  private Claimable claimable(String queue, List<String> readyKeys) {
    Stored[] found = new Stored[readyKeys.size()];
    List<ByteSequence> wanted = new ArrayList<>(readyKeys.size() + 1);
    List<Integer> wantedAt = new ArrayList<>(readyKeys.size());
    for (int i = 0; i < readyKeys.size(); i++) {
      TaskId id = Keys.idAtEnd(readyKeys.get(i));
      Stored st = written.get(id);
      if (st != null && isReadyAs(st, readyKeys.get(i))) {
        found[i] = st;
      } else {
        wanted.add(keys.task(id));
        wantedAt.add(i);
      }
    }
    QueueSeen s = seenSettings.get(queue);
    if (!wanted.isEmpty() || s == null) {
      wanted.add(keys.queue(queue));
      List<KeyValue> got = etcd.getAll(wanted, config.maxTxnOps());
      for (int j = 0; j < wantedAt.size(); j++) {
        Stored st = got.get(j) == null ? null : stored(got.get(j));
        int i = wantedAt.get(j);
        found[i] = st != null && isReadyAs(st, readyKeys.get(i)) ? st : null;
      }
      KeyValue settings = got.get(wantedAt.size());
      if (settings == null) {
        seenSettings.remove(queue);
        return new Claimable(null, List.of());
      }
      s =
          new QueueSeen(
              remember(queue, Codec.settings(settings.getValue())), settings.getModRevision());
      if (s.settings().paused()) {
        seenSettings.remove(queue); // no transaction would compare them: a resume must be read
      } else {
        seenSettings.put(queue, s);
      }
    }
    List<Stored> out = new ArrayList<>(readyKeys.size());
    for (Stored st : found) {
      if (st != null) {
        out.add(st);
      }
    }
    return new Claimable(s, out);
  }

  /** Whether the task is pending and ready under this key (not claimed or moved since). */
  private boolean isReadyAs(Stored st, String readyKey) {
    return st.task().state() == TaskState.PENDING
        && Keys.text(keys.ready(st.task())).equals(readyKey);
  }

  /**
   * One transaction claiming these tasks (as many as fit etcd's request limit) for the requests
   * that still want tasks, in order, if the queue's settings are still as read; it reads the tasks'
   * records back if a compare fails.
   */
  private Writes claimWrites(String queue, List<Stored> picked, ClaimShares shares, QueueSeen s) {
    long now = clock.millis();
    Writes w = new Writes(keys, now, session.id());
    w.readBackOnConflict();
    w.require(keys.queue(queue), s.modRevision());
    Iterator<ClaimParams> to = shares.nextTasksGoTo(picked.size()).iterator();
    for (Stored st : picked) {
      if (!to.hasNext() || !w.changed().isEmpty() && w.bytes() >= TXN_BYTES) {
        break;
      }
      ClaimParams p = to.next();
      w.update(st, Transitions.claim(st.task(), p.worker(), p.leaseMsIn(s.settings()), stamp(now)));
    }
    return w;
  }

  /**
   * The tasks whose records are still as {@code read} (mod revision unchanged): nobody took them.
   */
  private static List<Stored> untouched(List<Stored> read, List<GetResponse> now) {
    List<Stored> out = new ArrayList<>();
    for (int i = 0; i < read.size(); i++) {
      List<KeyValue> kvs = now.get(i).getKvs();
      if (!kvs.isEmpty() && kvs.get(0).getModRevision() == read.get(i).modRevision()) {
        out.add(read.get(i));
      }
    }
    return out;
  }

  /**
   * {@code want} of the candidates, at random (contended claims by several servers spread out), in
   * key order.
   */
  private List<String> spread(List<String> found, int want) {
    List<String> shuffled = new ArrayList<>(found);
    for (int i = shuffled.size() - 1; i > 0; i--) {
      Collections.swap(shuffled, i, random.nextInt(i + 1));
    }
    List<String> picked = new ArrayList<>(shuffled.subList(0, Math.min(want, shuffled.size())));
    Collections.sort(picked);
    return picked;
  }

  /**
   * Up to {@code n} ready keys from the head of the queue, read serializable (the claim's compare
   * guards correctness). The range never runs to the end of the queue while there is a head to
   * find: it starts at the queue's floor and ends a window of run_at later within the floor's
   * priority (see {@link #windows}), a window that grows (×16, 4 times) while it comes back empty.
   * Only then, or when there is no floor yet, does it read to the end of the queue's keys, and then
   * it sets the floor at the first key.
   */
  private List<String> candidates(String queue, Floors.Snapshot floor, int n) {
    String prefix = keys.ready(queue);
    String from = floor.key() != null ? floor.key() : prefix;
    if (floor.key() != null && from.length() >= prefix.length() + Keys.PRIORITY + Keys.TIME) {
      String band = from.substring(0, prefix.length() + Keys.PRIORITY);
      long runAt = Keys.parseTime(from, band.length());
      long window = windows.getOrDefault(queue, 1_000L);
      for (int i = 0; i < 4; i++) {
        long until = runAt > Long.MAX_VALUE - window ? Long.MAX_VALUE : runAt + window;
        GetResponse r = readyRange(queue, from, band + Keys.time(until), n);
        if (r.getCount() > 16L * n && window > 1) {
          windows.put(
              queue, Math.max(1, window / 4)); // etcd walked many keys to count them: narrower
        } else if (r.getCount() < n && window < MAX_WINDOW_MS) {
          windows.put(queue, window * 2);
        }
        if (!r.getKvs().isEmpty()) {
          return keysOf(r);
        }
        window *= 16;
      }
    }
    List<String> got = keysOf(readyRange(queue, from, Keys.end(prefix), n));
    if (got.isEmpty() && floor.key() != null) {
      floors.reset(queue); // a stale floor: look from the start next time
      got = keysOf(readyRange(queue, prefix, Keys.end(prefix), n));
    }
    if (!got.isEmpty()) {
      floors.raise(queue, got.get(0), floor);
    }
    return got;
  }

  /**
   * Ready keys in [from, to), serializable: answered by whichever member jetcd picks, without a
   * round trip to the leader. A member may lag behind the leader by a few milliseconds; when it has
   * not yet applied this server's own last write that made a task of the queue ready, the range is
   * read again linearizable, so that a task this server just enqueued (or released) is always seen
   * by its claims.
   */
  private GetResponse readyRange(String queue, String from, String to, int n) {
    GetResponse r = etcd.range(from, to, n, true, true);
    if (r.getHeader().getRevision() < readyWritten.getOrDefault(queue, 0L)) {
      r = etcd.range(from, to, n, true, false);
    }
    return r;
  }

  private static List<String> keysOf(GetResponse r) {
    return r.getKvs().stream().map(kv -> Keys.text(kv.getKey())).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // Worker operations

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson) {
    return change(new TaskChange.Heartbeat(id, token, leaseMs, progressJson));
  }

  private QueueSettings settingsOrDefault(String queue) {
    QueueSettings s = settings(queue);
    return s != null ? s : QueueSettings.DEFAULT;
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    Completion c = new Completion(id, token, resultJson);
    Stored st = written.get(id);
    Combiner<Object, Object> claims = st == null ? null : claimers.get(st.task().queue());
    if (claims != null) {
      // The queue's claims go to etcd one batch at a time: the completion rides in the next one
      // (Riders), or goes alone at once when no claim batch is running.
      return (Outcome) answer(claims.submit(c));
    }
    return completer.submit(c);
  }

  /**
   * A completion of a task this server wrote, with a claim on the task's queue, goes to the queue's
   * claim combiner as one request: the completion rides in the claim transaction that serves its
   * claim, one transaction for both ({@link #queueBatch}). When it cannot ride, it is written on
   * its own and the claim is made after it, as by default.
   */
  @Override
  public CompletedAndClaimed taskCompleteAndClaim(
      TaskId id, String token, String resultJson, Function<String, ClaimParams> next) {
    Stored st = written.get(id);
    ClaimParams p = st == null ? null : next.apply(st.task().queue());
    if (p == null || !p.queue().equals(st.task().queue())) {
      return TaskStore.super.taskCompleteAndClaim(id, token, resultJson, next);
    }
    Finished f =
        (Finished)
            answer(
                queueCombiner(p.queue())
                    .submit(new Finish(new Completion(id, token, resultJson), p)));
    if (!(f.outcome() instanceof Outcome.Ok)) {
      return new CompletedAndClaimed(f.outcome(), List.of());
    }
    if (f.claimed() != null && !f.claimed().isEmpty()) {
      return new CompletedAndClaimed(f.outcome(), f.claimed());
    }
    return new CompletedAndClaimed(f.outcome(), taskClaimMany(p)); // claims apart, or waits
  }

  @Override
  public List<Outcome> taskCompleteMany(List<Completion> completions) {
    return completions.isEmpty() ? List.of() : changeAll(completions);
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

  /**
   * Retries one dead or cancelled task in one transaction that compares its record as read and that
   * its unique key is still free (see {@link Writes#update}).
   */
  @Override
  public Outcome taskRetry(TaskId id) {
    sweeper.sweepIfDue();
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      long now = clock.millis();
      Stored st = read(List.of(id)).get(0);
      if (st == null) {
        return new Outcome.NotFound(id);
      }
      Outcome o = Transitions.retry(st.task(), keyHolder(st.task()), stamp(now));
      if (!(o instanceof Outcome.Ok ok)) {
        return o;
      }
      Writes w = new Writes(keys, now, 0);
      w.update(st, ok.task());
      if (commit(w)) {
        return o;
      }
    }
    throw new StoreUnavailableException(
        "etcd: gave up retrying " + id + " after " + WRITE_ATTEMPTS + " conflicts");
  }

  /** The task that holds the unique key of {@code t} (a live one), or null. */
  private TaskId keyHolder(Task t) {
    KeyValue held = t.uniqueKey() == null ? null : etcd.get(keys.unique(t.queue(), t.uniqueKey()));
    return held == null ? null : TaskId.parse(Keys.text(held.getValue()));
  }

  /**
   * Moves up to {@code limit} dead tasks of the queue, oldest id first, back to pending, one
   * transaction each. A dead task whose unique key a live task holds (one moved by this redrive
   * included) stays dead and is passed over, so a held key never stops the tasks behind it.
   */
  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    sweeper.sweepIfDue();
    String prefix = keys.finished(queue, TaskState.DEAD);
    String from = prefix;
    int moved = 0;
    int skipped = 0;
    while (moved < limit) {
      List<String> dead =
          keysOf(
              etcd.range(from, Keys.end(prefix), Math.min(256, limit - moved + 16), true, false));
      for (String key : dead) {
        if (moved == limit) {
          break;
        }
        switch (redriveOne(Keys.idAtEnd(key))) {
          case MOVED -> moved++;
          case HELD -> skipped++;
          case GONE -> {}
        }
      }
      if (dead.size() < Math.min(256, limit - moved + 16) || moved == limit) {
        break;
      }
      from = Keys.after(dead.get(dead.size() - 1));
    }
    return new RedriveResult(moved, skipped);
  }

  private enum RedriveOne {
    MOVED,
    HELD,
    GONE
  }

  private RedriveOne redriveOne(TaskId id) {
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      long now = clock.millis();
      Stored st = read(List.of(id)).get(0);
      if (st == null || st.task().state() != TaskState.DEAD) {
        return RedriveOne.GONE;
      }
      Task t = st.task();
      if (keyHolder(t) != null) {
        return RedriveOne.HELD;
      }
      Writes w = new Writes(keys, now, 0);
      w.update(st, w.redriven(Transitions.redrive(t, stamp(now))));
      if (commit(w)) {
        return RedriveOne.MOVED;
      }
    }
    throw new StoreUnavailableException(
        "etcd: gave up redriving " + id + " after " + WRITE_ATTEMPTS + " conflicts");
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  @Override
  public Optional<Task> taskGet(TaskId id) {
    sweeper.sweepIfDue();
    KeyValue kv = etcd.get(keys.task(id));
    return kv == null ? Optional.empty() : Optional.of(stored(kv).task());
  }

  @Override
  public Page taskList(ListParams p) {
    PageBuilder page = new PageBuilder(p);
    sweeper.sweepIfDue();
    String prefix = keys.byId(p.queue());
    String from = page.after() == null ? prefix : Keys.after(prefix + page.after());
    // The queue's one id index holds every state: a row of another state is read, and passed over.
    int batch = p.state() != null ? 1_000 : Math.min(1_000, page.rowsToRead());
    while (true) {
      List<String> idKeys = keysOf(etcd.range(from, Keys.end(prefix), batch, true, false));
      List<TaskId> taskIds = idKeys.stream().map(Keys::idAtEnd).toList();
      List<Stored> got = read(taskIds);
      for (int i = 0; i < got.size(); i++) {
        Stored st = got.get(i);
        boolean shown = st != null && (p.state() == null || st.task().state() == p.state());
        if (!page.offer(taskIds.get(i), shown ? st.task() : null)) {
          return page.page();
        }
      }
      if (idKeys.size() < batch) {
        return page.page();
      }
      from = Keys.after(idKeys.get(idKeys.size() - 1));
    }
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
    waiters.wakeAll();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    waiters.wakeAll();
    leadership.close();
    watch.close();
    elsewhere.close();
    batches.close();
    session.close();
    etcd.client().close();
  }
}
