package dev.stoker.store.postgres;

import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.PageBuilder;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.store.postgres.Rows.Stored;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The reads of the port, each one statement in a transaction of its own: a task, a page of a
 * queue's tasks (paged by {@link PageBuilder}), and queues with their settings and counts (the
 * folded counts plus the deltas not folded yet, see docs/backends/postgres.md).
 */
final class Reads {
  private final Sweeper.Store store;
  private final Queues queues;

  Reads(Sweeper.Store store, Queues queues) {
    this.store = store;
    this.queues = queues;
  }

  Optional<Task> taskGet(TaskId id) {
    List<Stored> got =
        store.run(
            tx ->
                tx.select(
                    "SELECT " + Rows.COLUMNS + " FROM ${schema}.tasks WHERE id = ?",
                    ps -> ps.setObject(1, Rows.uuid(id))));
    return got.isEmpty() ? Optional.empty() : Optional.of(got.get(0).task());
  }

  Page taskList(ListParams p) {
    return store.run(
        tx -> {
          PageBuilder page = new PageBuilder(p); // in the transaction, which may be retried
          UUID from = page.after() == null ? new UUID(0, 0) : Rows.uuid(page.after());
          Integer queueId = queues.find(tx.c, p.queue());
          if (queueId == null) {
            return page.page();
          }
          String scan =
              "SELECT "
                  + Rows.COLUMNS
                  + " FROM ${schema}.tasks WHERE queue_id = ?"
                  + (p.state() != null ? " AND state = ?" : "")
                  + " AND id > ? ORDER BY id LIMIT ?";
          for (Stored st :
              tx.select(scan, ps -> bindList(ps, queueId, p, from, page.rowsToRead()))) {
            if (!page.offer(st.task().id(), st.task())) {
              break;
            }
          }
          return page.page();
        });
  }

  private static void bindList(
      PreparedStatement ps, int queueId, ListParams p, UUID from, int limit) throws SQLException {
    int i = 1;
    ps.setInt(i++, queueId);
    if (p.state() != null) {
      ps.setShort(i++, (short) StateCodes.of(p.state()));
    }
    ps.setObject(i++, from);
    ps.setInt(i, limit);
  }

  private static final String SUMS =
      "sum(pending) AS pending, sum(scheduled) AS scheduled, sum(working) AS working,"
          + " sum(done) AS done, sum(dead) AS dead, sum(cancelled) AS cancelled";
  private static final String QUEUE_INFO =
      "SELECT q.id, q.name, "
          + "q."
          + Queues.SETTINGS.replace(", ", ", q.")
          + ", coalesce(n.pending, 0), coalesce(n.scheduled, 0), coalesce(n.working, 0), coalesce(n.done, 0),"
          + " coalesce(n.dead, 0), coalesce(n.cancelled, 0) FROM ${schema}.queues q LEFT JOIN LATERAL (SELECT "
          + SUMS
          + " FROM (SELECT * FROM ${schema}.counts c WHERE c.queue_id = q.id UNION ALL"
          + " SELECT queue_id, pending, scheduled, working, done, dead, cancelled FROM ${schema}.count_deltas d"
          + " WHERE d.queue_id = q.id) a) n ON true";

  QueueInfo queueGet(String queue) {
    List<QueueInfo> found = queueInfos(" WHERE q.name = ?", queue);
    return found.isEmpty()
        ? new QueueInfo(queue, QueueCounts.ZERO, QueueSettings.DEFAULT)
        : found.get(0);
  }

  List<QueueInfo> queueList() {
    return queueInfos(" ORDER BY q.name COLLATE \"C\"", null);
  }

  private List<QueueInfo> queueInfos(String tail, String name) {
    return store.run(
        tx -> {
          List<QueueInfo> out = new ArrayList<>();
          try (PreparedStatement ps = tx.c.prepareStatement(tx.sql(QUEUE_INFO + tail))) {
            if (name != null) {
              ps.setString(1, name);
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                QueueSettings s = queues.settings(rs.getInt(1), rs, 3);
                int c = 3 + 7;
                out.add(
                    new QueueInfo(
                        rs.getString(2),
                        new QueueCounts(
                            rs.getLong(c),
                            rs.getLong(c + 1),
                            rs.getLong(c + 2),
                            rs.getLong(c + 3),
                            rs.getLong(c + 4),
                            rs.getLong(c + 5)),
                        s));
              }
            }
          }
          return out;
        });
  }
}
