package dev.stoker.store.embedded;

import dev.stoker.cluster.Body;
import dev.stoker.cluster.Duplicates;
import dev.stoker.cluster.Event;
import dev.stoker.cluster.EventCodec;
import dev.stoker.cluster.Origin;
import dev.stoker.cluster.QueueSettingsReplica;
import dev.stoker.cluster.QueueSettingsReplicaCodec;
import dev.stoker.cluster.Register;
import dev.stoker.cluster.SettingsChange;
import dev.stoker.cluster.TaskReplica;
import dev.stoker.cluster.TaskReplicaCodec;
import dev.stoker.cluster.UniqueKeys;
import dev.stoker.cluster.VersionVector;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.store.embedded.Codec.Stored;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The embedded store's side of the AP cluster (docs/backends/cluster.md, "the hook the embedded
 * store needs"): present only in cluster mode, so a single node pays nothing for it.
 *
 * <p>Every local change a round writes ({@link Batch#write}, {@link Batch#prune}) becomes this
 * node's next {@link Event}, put into the {@code events} column family of the same WriteBatch as
 * the task record, and the task's {@link TaskReplica} is kept beside the task in {@code replicas}:
 * the event is synced with the change, before the reply. Received events go through the sequencer
 * like commands and change the task only through the merge: the task record and its indexes follow
 * the replica's (before, after). A change of a queue's settings is an event too, and a queue's
 * settings are the merge of every such event ({@link QueueSettingsReplica}), kept in {@code
 * replicas} under the queue's number.
 *
 * <p>Sequencer thread, except {@link #vector} and {@link #lastSyncedOwn}, which the replication
 * side reads.
 */
final class ClusterLog {
  private final Storage s;
  private final Hlc hlc;
  private final int self;
  private final long incarnation;
  private Origin origin;

  /** Per other origin, the highest seq held: received events are stored only without gaps. */
  private final Map<Integer, Long> marks = new HashMap<>();

  /** The origin's last seq and the marks at each open savepoint, innermost last. */
  private final List<Long> savedSeqs = new ArrayList<>();

  private final List<Map<Integer, Long>> savedMarks = new ArrayList<>();
  private volatile Map<Integer, Long> written = Map.of();
  private volatile long syncedOwn;
  private volatile long behindPeer;
  final long maxOffsetMs;
  volatile DispatchRights rights = DispatchRights.NONE;

  /**
   * {@link System#nanoTime} until which {@link #rights} are good, once the cluster side renews them
   * (see {@link Replication#rightsValidFor}); until then they do not lapse.
   */
  volatile long rightsValidUntil;

  volatile boolean rightsLapse;

  /**
   * Set while a node rejoins on a lost data directory ({@code --rejoin}): it takes its own events
   * back from its peers, and makes none of its own until it holds all of them.
   */
  volatile boolean rejoining;

  /**
   * Work this node found handed out twice, by cause ({@link Duplicates.Cause} order): leases it
   * ended (a), second claims of its own tasks (as {@link #stolenBecause} says), unique keys live
   * twice (e).
   */
  private final AtomicLongArray duplicates = new AtomicLongArray(Duplicates.Cause.values().length);

  /**
   * What a second claim of one of this node's tasks is put down to now: the cluster side decides.
   */
  volatile Duplicates.Cause stolenBecause = Duplicates.Cause.PARTITION;

  /** Told (on the syncer thread) when new own events may leave the node; must not block. */
  volatile Runnable onSynced;

  /**
   * This node's latest own events, the one of seq {@code s} at {@code s & RECENT_MASK}: what the
   * pushes to peers read, so a push of what the last round made costs no database iterator and no
   * decoding (a 3-node profile put 4 % of a node's CPU there). A slot holds a later event than the
   * one asked for once the ring went round, and an event a rolled-back command made until the
   * number is used again, and none (null) where the event is large; readers take only what is
   * synced, and check the seq.
   */
  private final AtomicReferenceArray<Event> recentOwn = new AtomicReferenceArray<>(RECENT);

  private static final int RECENT = 1 << 13;
  private static final int RECENT_MASK = RECENT - 1;

  /**
   * The task replicas this node read or wrote last, decoded, so that the next event of a task
   * (every task has a few, close together: enqueue, claim, completion) neither reads nor decodes
   * its replica again. Kept exactly as the replicas column family holds them, with the round's
   * writes; emptied when a command rolls back. Sequencer thread.
   */
  private final Map<TaskId, TaskReplica> replicaCache =
      new java.util.LinkedHashMap<>(REPLICA_CACHE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TaskId, TaskReplica> eldest) {
          return size() > REPLICA_CACHE;
        }
      };

  private static final int REPLICA_CACHE = 1 << 13; // of small replicas: at most 16-32 MB

  ClusterLog(Storage s, Hlc hlc, int self, long maxOffsetMs) throws RocksDBException {
    this.s = s;
    this.hlc = hlc;
    this.self = self;
    this.maxOffsetMs = maxOffsetMs;
    try (RocksIterator it = s.db.newIterator(s.events)) {
      for (it.seekToFirst(); it.isValid(); ) {
        int o = Keys.eventOrigin(it.key());
        it.seekForPrev(Keys.event(o, Long.MAX_VALUE));
        marks.put(o, Keys.eventSeq(it.key()));
        if (o == 0xFFFF) {
          break;
        }
        it.seek(Keys.event(o + 1, 0));
      }
    }
    long own = marks.getOrDefault(self, 0L);
    marks.remove(self);
    origin = new Origin(self, own);
    syncedOwn = own;
    written = Map.copyOf(marks);
    byte[] inc = s.db.get(s.meta, Keys.META_INCARNATION);
    incarnation = (inc == null ? 0 : Codec.decodeLong(inc)) + 1;
    s.db.put(s.meta, s.syncWrite, Keys.META_INCARNATION, Codec.encodeLong(incarnation));
  }

  int self() {
    return self;
  }

  void counted(Duplicates.Cause cause) {
    duplicates.incrementAndGet(cause.ordinal());
  }

  /** How many duplicates of each cause this node counted since it started. Any thread. */
  Map<Duplicates.Cause, Long> duplicates() {
    Map<Duplicates.Cause, Long> out = new EnumMap<>(Duplicates.Cause.class);
    for (Duplicates.Cause c : Duplicates.Cause.values()) {
      out.put(c, duplicates.get(c.ordinal()));
    }
    return out;
  }

  long incarnation() {
    return incarnation;
  }

  /**
   * How many ready tasks of {@code queue} (pending, due, the queue not paused) this replica holds
   * per home node, among the first {@code cap} entries of each home's range of the queue's ready
   * index: bounded, since it runs for claims that found nothing (claim forwarding). Any thread: it
   * reads the database directly.
   */
  Map<Integer, Long> readyByHome(String queue, int cap) throws RocksDBException {
    QueueState q = s.catalog.byName(queue);
    if (q == null || q.settings().paused()) {
      return Map.of();
    }
    Map<Integer, Long> out = new HashMap<>();
    try (RocksIterator it = s.db.newIterator(s.ready)) {
      for (int home : homes()) {
        byte[] prefix = Keys.homePrefix(q.id, home);
        int seen = 0;
        for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
          if (++seen > cap) {
            break;
          }
          TaskId id = Keys.trailingId(it.key());
          byte[] bytes = s.db.get(s.tasks, Keys.task(id));
          if (bytes == null) {
            continue; // a stale entry
          }
          Stored st = Codec.decodeTask(bytes, queue);
          if (st.task().state() == TaskState.PENDING && !st.scheduled()) {
            out.merge(home, 1L, Long::sum);
          }
        }
      }
    }
    return out;
  }

  /** The events held, as peers may be served them: others' once written, own once synced. */
  VersionVector vector() {
    Map<Integer, Long> v = new HashMap<>(written);
    if (syncedOwn > 0) {
      v.put(self, syncedOwn);
    }
    return VersionVector.of(v);
  }

  long lastSyncedOwn() {
    return syncedOwn;
  }

  /**
   * The largest own seq a peer said it holds beyond this node's own log (0 if none): a lost data
   * dir.
   */
  long behindPeer() {
    return behindPeer;
  }

  /**
   * Whether a peer holds own events this node lacks: they must be taken back before it numbers
   * more.
   */
  boolean behind() {
    return behindPeer > syncedOwn;
  }

  void noteBehind(long peerHolds) {
    if (peerHolds > syncedOwn && peerHolds > behindPeer) {
      behindPeer = peerHolds;
    }
  }

  long lastOwnSeq() {
    return origin.lastSeq();
  }

  /** After the round's write: received events may be served. Returns the round's last own seq. */
  long roundWritten() {
    written = Map.copyOf(marks);
    return origin.lastSeq();
  }

  /**
   * After the sync of a round whose last own event was {@code seq}: own events may leave the node.
   */
  void synced(long seq) {
    if (seq > syncedOwn) {
      syncedOwn = seq;
      Runnable l = onSynced;
      if (l != null) {
        l.run();
      }
    }
  }

  void begin() {
    savedSeqs.add(origin.lastSeq());
    savedMarks.add(Map.copyOf(marks));
  }

  void commit() {
    savedSeqs.removeLast();
    savedMarks.removeLast();
  }

  void abort() {
    long kept = savedSeqs.removeLast();
    for (long seq = origin.lastSeq(); seq > kept; seq--) {
      recentOwn.set((int) (seq & RECENT_MASK), null); // numbers given back: their events never were
    }
    origin.rollbackTo(kept);
    replicaCache.clear(); // it may hold what the rolled-back command wrote
    marks.clear();
    marks.putAll(savedMarks.removeLast());
  }

  /** The homes whose pending tasks this node may hand out now: itself, and those it steals from. */
  List<Integer> homesHandedOut() {
    if (!rightsValid()) {
      return List.of();
    }
    DispatchRights now = rights;
    List<Integer> homes = new ArrayList<>();
    for (int home : homes()) {
      if (now.mayHandOut(home)) {
        homes.add(home);
      }
    }
    return homes;
  }

  /** Every node whose tasks this store may hold: itself first, then the origins it heard of. */
  private List<Integer> homes() {
    List<Integer> homes = new ArrayList<>();
    homes.add(self);
    for (int origin : new java.util.TreeSet<>(written.keySet())) {
      if (origin != self) {
        homes.add(origin);
      }
    }
    return homes;
  }

  /** Whether this node may hand out no pending task at all now. */
  boolean handsOutNothing() {
    return !rightsValid() || rights.handsOutNothing();
  }

  boolean rightsValid() {
    return !rightsLapse || System.nanoTime() - rightsValidUntil < 0;
  }

  /** Whether this node judges the lease of {@code t} (its claim version's node). */
  boolean judgesLease(Task t) {
    return rightsValid() && rights.judgesLeasesOf(t.version().node());
  }

  /** A local change: this node's next event, in the same batch as the change. */
  void local(Batch b, Task after) throws RocksDBException {
    TaskReplica current = replica(b, after.id());
    Event e = origin.stateEvent(current, after, new Stamp(b.now, hlc.now(), self));
    store(b, e, current == null ? TaskReplica.empty(after.id()) : current);
  }

  /** A local prune after retention: this node's event that leaves the task's tombstone. */
  void pruned(Batch b, TaskId id) throws RocksDBException {
    TaskReplica current = replica(b, id);
    if (current != null && current.register() != null) {
      store(b, origin.pruneEvent(current, new Stamp(b.now, hlc.now(), self)), current);
    }
  }

  /**
   * A local change of some of a queue's settings: this node's next event, in the same batch as the
   * change. Returns the queue's settings after it (the change's fields win: this node's HLC is past
   * every write it has applied).
   */
  QueueSettings settingsChanged(Batch b, QueueState q, SettingsPatch patch)
      throws RocksDBException {
    Event e =
        origin.settingsEvent(new SettingsChange(q.name, patch), new Stamp(b.now, hlc.now(), self));
    own(b, e);
    return mergeSettings(b, q, e);
  }

  /** The queue's settings once {@code e}, a settings event, is merged into its replica. */
  private QueueSettings mergeSettings(Batch b, QueueState q, Event e) throws RocksDBException {
    byte[] bytes = b.get(s.replicas, Keys.queue(q.id));
    QueueSettingsReplica before =
        bytes == null ? QueueSettingsReplica.EMPTY : QueueSettingsReplicaCodec.decode(bytes);
    QueueSettingsReplica after = before.apply(e);
    if (!after.equals(before)) {
      b.put(s.replicas, Keys.queue(q.id), QueueSettingsReplicaCodec.encode(after));
    }
    return after.over(q.settings());
  }

  private void store(Batch b, Event e, TaskReplica current) throws RocksDBException {
    own(b, e);
    putReplica(b, current.apply(e));
  }

  /** Puts this node's new event {@code e} into the round's batch and the recent ring. */
  private void own(Batch b, Event e) throws RocksDBException {
    b.put(s.events, Keys.event(e.origin(), e.seq()), EventCodec.encode(e));
    b.observedHlc(e.hlc());
    // A large event is read back from the log: 8,192 of 1 MiB parameters would not fit in memory.
    recentOwn.set((int) (e.seq() & RECENT_MASK), small(e.body(), e.register()) ? e : null);
  }

  /**
   * Applies events received from a peer, by the merge rule only. An event already held is skipped,
   * and so is one past a gap in its origin's log (it is pulled again in order); this node's own
   * events are never taken back from a peer. Returns how many were new.
   */
  int receive(Batch b, Operations ops, List<Event> events) throws RocksDBException {
    int applied = 0;
    for (Event e : events) {
      if (e.origin() == self && !(rejoining && e.seq() == origin.lastSeq() + 1)) {
        noteBehind(e.seq());
        continue;
      }
      long mark = e.origin() == self ? origin.lastSeq() : marks.getOrDefault(e.origin(), 0L);
      if (e.seq() != mark + 1) {
        continue;
      }
      if (e.origin() == self) {
        origin =
            new Origin(self, e.seq()); // numbering goes on after the last event the cluster holds
      } else {
        marks.put(e.origin(), e.seq());
      }
      hlc.observe(e.hlc());
      b.put(s.events, Keys.event(e.origin(), e.seq()), EventCodec.encode(e));
      b.observedHlc(e.hlc());
      if (e.kind() == Event.Kind.SETTINGS) {
        QueueState q = ops.queueForWrite(b, e.settings().queue());
        ops.settings(b, q, mergeSettings(b, q, e));
        applied++;
        continue;
      }
      TaskReplica before = replica(b, e.taskId());
      if (before == null) {
        before = TaskReplica.empty(e.taskId());
      }
      if (TaskReplica.homeOf(e.taskId()) == self && Duplicates.revealsSecondClaim(before, e)) {
        counted(stolenBecause); // counted once in the cluster: by the task's home
      }
      TaskReplica after = before.apply(e);
      applied++;
      if (after.equals(before)) {
        continue;
      }
      putReplica(b, after);
      Stored st = b.load(e.taskId());
      Task t = after.toTask();
      if (t == null) {
        if (st != null) {
          b.remove(st);
        }
      } else if (st == null || !st.task().equals(t)) {
        QueueState q = ops.queueForWrite(b, t.queue());
        b.store(st, t);
        if (st == null && !t.state().isTerminal() && t.uniqueKey() != null) {
          settleUniqueKey(b, q, t);
        }
      }
    }
    return applied;
  }

  /**
   * A live task with a unique key arrived. If another live task holds the key — one was enqueued on
   * each side of a partition — the smaller id keeps it on every node, and the home of the other
   * cancels it while it is pending ({@link UniqueKeys}): one cancel in the cluster, the same
   * outcome everywhere.
   */
  private void settleUniqueKey(Batch b, QueueState q, Task arrived) throws RocksDBException {
    byte[] key = Keys.unique(q.id, arrived.uniqueKey());
    byte[] held = b.get(s.unique, key);
    Stored holder = held == null ? null : b.load(Keys.taskId(held, 0));
    if (holder == null
        || holder.task().state().isTerminal()
        || holder.task().id().equals(arrived.id())) {
      b.put(s.unique, key, Keys.task(arrived.id()));
      return;
    }
    Task keeper = UniqueKeys.keeper(holder.task(), arrived);
    b.put(s.unique, key, Keys.task(keeper.id()));
    cancelIfLost(b, keeper == arrived ? holder : b.load(arrived.id()));
  }

  /**
   * Whether the pending task {@code st} lost its unique key to another live task (see {@link
   * #settleUniqueKey}): then it is not handed out, and its home cancels it. A task that lost its
   * key while working comes here when it is pending again.
   */
  boolean lostUniqueKey(Batch b, QueueState q, Stored st) throws RocksDBException {
    Task t = st.task();
    if (t.uniqueKey() == null) {
      return false;
    }
    byte[] held = b.get(s.unique, Keys.unique(q.id, t.uniqueKey()));
    if (held == null || Keys.taskId(held, 0).equals(t.id())) {
      return false;
    }
    Stored holder = b.load(Keys.taskId(held, 0));
    if (holder == null || holder.task().state().isTerminal()) {
      return false;
    }
    cancelIfLost(b, st);
    return true;
  }

  private void cancelIfLost(Batch b, Stored loser) throws RocksDBException {
    if (TaskReplica.homeOf(loser.task().id()) == self
        && loser.task().state() != TaskState.PENDING) {
      counted(Duplicates.Cause.UNIQUE_KEY); // it ran, or runs, beside the key's holder
    }
    if (UniqueKeys.cancelsHere(loser.task(), self)) {
      b.write(
          loser,
          ((Outcome.Ok) Transitions.cancel(loser.task(), new Stamp(b.now, hlc.now(), self)))
              .task());
    }
  }

  /**
   * The held events of {@code origin} numbered in (after, upTo], at most {@code max}. Any thread.
   */
  List<Event> read(int origin, long after, long upTo, int max) {
    if (origin == self) {
      List<Event> recent = recentOwn(after, Math.min(upTo, after + max));
      if (recent != null) {
        return recent;
      }
    }
    List<Event> out = new ArrayList<>();
    try (RocksIterator it = s.db.newIterator(s.events)) {
      for (it.seek(Keys.event(origin, after + 1)); it.isValid() && out.size() < max; it.next()) {
        byte[] k = it.key();
        if (Keys.eventOrigin(k) != origin || Keys.eventSeq(k) > upTo) {
          break;
        }
        out.add(EventCodec.decode(it.value()));
      }
    }
    return out;
  }

  /** This node's own events numbered in (after, upTo] from the recent ring, null if one is not. */
  private List<Event> recentOwn(long after, long upTo) {
    List<Event> out = new ArrayList<>((int) Math.max(0, upTo - after));
    for (long seq = after + 1; seq <= upTo; seq++) {
      Event e = recentOwn.get((int) (seq & RECENT_MASK));
      if (e == null || e.seq() != seq) {
        return null;
      }
      out.add(e);
    }
    return out;
  }

  private TaskReplica replica(Batch b, TaskId id) throws RocksDBException {
    TaskReplica known = replicaCache.get(id);
    if (known != null) {
      return known;
    }
    byte[] bytes = b.get(s.replicas, Keys.task(id));
    if (bytes == null) {
      return null;
    }
    TaskReplica read = TaskReplicaCodec.decode(bytes);
    remember(read);
    return read;
  }

  private void putReplica(Batch b, TaskReplica r) throws RocksDBException {
    b.put(s.replicas, Keys.task(r.id()), TaskReplicaCodec.encode(r));
    remember(r);
  }

  /** Caches {@code r} unless it is large (parameters and result may be a MiB each). */
  private void remember(TaskReplica r) {
    if (small(r.body(), r.register())) {
      replicaCache.put(r.id(), r);
    } else {
      replicaCache.remove(r.id());
    }
  }

  /**
   * Whether a task's variable-size parts (either may be null) are small enough to keep in memory: 2
   * K characters, so the ring and the cache hold at most 8 K x 2 K characters each.
   */
  private static boolean small(Body body, Register reg) {
    long n = 0;
    if (body != null) {
      n += body.paramsJson().length() + body.name().length();
    }
    if (reg != null) {
      n += length(reg.resultJson()) + length(reg.lastError()) + length(reg.progressJson());
    }
    return n <= 2_048;
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }
}
