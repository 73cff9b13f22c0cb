package dev.stoker.store.postgres;

import dev.stoker.core.Hlc;
import dev.stoker.core.Stamp;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Transitions;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.Transition;
import dev.stoker.store.postgres.Rows.Stored;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One transaction of the store: the connection, the time it runs at, and what it changes.
 * Transitions are computed in Java by {@link Transitions} (the same rules as every backend); the
 * rows they change are written in one batch, the changes to the counts of each queue are appended
 * once, and the queues in which a task became claimable are notified, and so are the transitions,
 * while another server has event subscribers, for their event feeds ({@link TransitionNotices},
 * {@link Interest}; NOTIFY is delivered on commit). {@link #afterCommit} then wakes this server's
 * own waiting claims and tells the sweeper what falls due when.
 */
final class Tx {
  final Connection c;
  final long now;
  private final Env env;
  private final Map<Integer, long[]> deltas = new TreeMap<>();
  private final List<Stored> updates = new ArrayList<>();
  private final Set<String> wake = new TreeSet<>();

  /**
   * The transitions to report to the store's observer after the commit: leases ended, tasks
   * redriven.
   */
  private final List<Task> expired = new ArrayList<>();

  private final List<Task> redriven = new ArrayList<>();

  /**
   * The transitions this transaction makes, for the other servers' event feeds; null while no other
   * server has a subscriber (a NOTIFY serialises commits: {@link Interest}).
   */
  private final TransitionNotices notices;

  private long due = Long.MAX_VALUE;

  /** What every transaction of one store shares. */
  record Env(
      Db db,
      Queues queues,
      Hlc hlc,
      int node,
      Wakeups wakeups,
      Due due,
      String channel,
      Interest interest) {}

  Tx(Connection c, long now, Env env) {
    this.c = c;
    this.now = now;
    this.env = env;
    this.notices = env.interest().othersWatch() ? new TransitionNotices(env.node()) : null;
  }

  Stamp stamp() {
    return new Stamp(now, env.hlc().now(), env.node());
  }

  String sql(String sql) {
    return env.db().sql(sql);
  }

  /** Reads rows of {@code tasks} ({@link Rows#COLUMNS}) as they are, without locking them. */
  List<Stored> select(String sql, Binder binder) throws SQLException {
    List<Stored> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql(sql))) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int queueId = rs.getInt(2);
          Stored st = Rows.read(rs, env.queues().name(c, queueId));
          env.hlc().observe(st.task().version().hlc());
          out.add(st);
        }
      }
    }
    return out;
  }

  /**
   * Reads and locks rows of {@code tasks} (the query says {@code FOR UPDATE}, with or without
   * {@code SKIP LOCKED}). A working task whose lease ran out is expired on the way, in this
   * transaction, so that no operation acts on a claim that is over, whether or not the sweeper got
   * to it yet.
   */
  List<Stored> lockAll(String sql, Binder binder) throws SQLException {
    if (!sql.contains(" FOR UPDATE")) {
      throw new IllegalArgumentException("lockAll needs a query that locks its rows: " + sql);
    }
    List<Stored> out = select(sql, binder);
    for (int i = 0; i < out.size(); i++) {
      Stored st = out.get(i);
      if (st.task().isLeaseExpiredAt(now)) {
        Task next = Transitions.expire(st.task(), stamp());
        expired.add(next);
        out.set(i, update(st, next));
      }
    }
    return out;
  }

  /** The task, locked for this transaction, or null. */
  Stored lock(TaskId id) throws SQLException {
    List<Stored> got =
        lockAll(
            "SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE id = ? FOR UPDATE",
            ps -> ps.setObject(1, Rows.uuid(id)));
    return got.isEmpty() ? null : got.get(0);
  }

  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  boolean isScheduled(Task t) {
    return t.state() == TaskState.PENDING && t.runAt() > now;
  }

  /** Inserts a new task; returns false when a live task of its queue has its unique key. */
  boolean insert(Task t, int queueId) throws SQLException {
    boolean scheduled = isScheduled(t);
    try (PreparedStatement ps =
        c.prepareStatement(
            sql(
                Rows.INSERT
                    + (t.uniqueKey() == null
                        ? ""
                        : " ON CONFLICT (queue_id, unique_key) WHERE unique_key IS NOT NULL AND state <= "
                            + StateCodes.LAST_LIVE
                            + " DO NOTHING")))) {
      Rows.bindInsert(ps, t, queueId, scheduled);
      if (ps.executeUpdate() == 0) {
        return false;
      }
    }
    added(new Stored(t, queueId, scheduled));
    notice(Transition.ENQUEUED, t);
    return true;
  }

  /** Inserts tasks without unique keys, in one batch. */
  void insertAll(List<Task> tasks, int queueId) throws SQLException {
    if (tasks.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql(Rows.INSERT))) {
      for (Task t : tasks) {
        boolean scheduled = isScheduled(t);
        Rows.bindInsert(ps, t, queueId, scheduled);
        ps.addBatch();
        added(new Stored(t, queueId, scheduled));
        notice(Transition.ENQUEUED, t);
      }
      ps.executeBatch();
    }
  }

  /**
   * Records that {@code old} became {@code next}; written by {@link #flush}. Returns the new row.
   */
  Stored update(Stored old, Task next) {
    Stored st = new Stored(next, old.queueId(), isScheduled(next));
    delta(old.queueId())[old.slot()]--;
    added(st);
    updates.add(st);
    if (notices != null) {
      Transition transition = Transition.between(old.task(), next);
      if (transition != null) {
        notices.add(transition, next);
      }
    }
    return st;
  }

  private void notice(Transition transition, Task task) {
    if (notices != null) {
      notices.add(transition, task);
    }
  }

  /** Records that a task left the table (pruned). */
  void removed(int queueId, int slot) {
    delta(queueId)[slot]--;
  }

  /**
   * Records that tasks of the queue moved between slots without a transition (a delayed task fell
   * due).
   */
  void moved(int queueId, String queue, int from, int to) {
    long[] d = delta(queueId);
    d[from]--;
    d[to]++;
    if (to == Rows.PENDING) {
      wake.add(queue);
    }
  }

  void wake(String queue) {
    wake.add(queue);
  }

  private void added(Stored st) {
    delta(st.queueId())[st.slot()]++;
    Task t = st.task();
    switch (t.state()) {
      case PENDING -> {
        if (st.scheduled()) {
          due(t.runAt());
        } else {
          wake.add(t.queue());
        }
      }
      case WORKING -> due(t.lease().expiresAt() + 1);
      default -> due(t.updatedAt() + env.queues().retentionHint(st.queueId()));
    }
  }

  void due(long at) {
    due = Math.min(due, at);
  }

  private long[] delta(int queueId) {
    return deltas.computeIfAbsent(queueId, q -> new long[Rows.SLOTS]);
  }

  /** Writes the recorded updates and counts and sends the notifications; the caller commits. */
  void flush() throws SQLException {
    if (!updates.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(sql(Rows.UPDATE))) {
        for (Stored st : updates) {
          Rows.bindUpdate(ps, st.task(), st.scheduled());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    List<Map.Entry<Integer, long[]>> changed =
        deltas.entrySet().stream()
            .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(v -> v != 0))
            .toList();
    if (!changed.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              sql(
                  "INSERT INTO ${schema}.count_deltas"
                      + " (queue_id, pending, scheduled, working, done, dead, cancelled) VALUES (?, ?, ?, ?, ?, ?, ?)"))) {
        for (Map.Entry<Integer, long[]> e : changed) {
          ps.setInt(1, e.getKey());
          for (int i = 0; i < Rows.SLOTS; i++) {
            ps.setLong(2 + i, e.getValue()[i]);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    // One statement for the wake-ups (payload: a queue) and the transition notices (payload: see
    // TransitionNotices), on one channel: one LISTEN per server hears both.
    List<String> payloads = new ArrayList<>(wake);
    if (notices != null) {
      payloads.addAll(notices.payloads());
    }
    if (!payloads.isEmpty()) {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT pg_notify(?, q) FROM unnest(?::text[]) AS q")) {
        ps.setString(1, env.channel());
        ps.setArray(2, c.createArrayOf("text", payloads.toArray()));
        ps.executeQuery().close();
      }
    }
  }

  /** Wakes this server's waiting claims at once (not waiting for the notification to come back). */
  void afterCommit(StoreObserver observer) {
    wake.forEach(env.wakeups()::signal);
    if (due != Long.MAX_VALUE) {
      env.due().note(due);
    }
    expired.forEach(observer::leaseExpired);
    redriven.forEach(observer::redriven);
  }

  /** Notes that {@code task} was redriven, to report after the commit; returns it. */
  Task redriven(Task task) {
    redriven.add(task);
    return task;
  }

  /** Whether this transaction wrote tasks. */
  boolean wrote() {
    return !deltas.isEmpty();
  }
}
