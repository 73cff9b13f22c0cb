package dev.stoker.store.postgres;

import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.TaskStore;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.PgTemp;
import dev.stoker.testkit.StoreBackend;
import dev.stoker.testkit.TaskEnqueueManyContract;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite's enqueue contract, with every enqueue made by the SQL function ({@link
 * TransactionalEnqueue}, one transaction per batch) instead of the store's Java path: the two must
 * make the same tasks. The function stamps tasks with the transaction's {@code stoker.now_ms}, set
 * to the suite's manual clock; everything else goes to the store.
 */
class SqlEnqueueConformanceTest implements StoreBackend {
  @Nested
  class TaskEnqueueMany extends TaskEnqueueManyContract {
    TaskEnqueueMany() {
      super(SqlEnqueueConformanceTest.this);
    }
  }

  @Override
  public TaskStore newStore(ManualClock clock) {
    String schema = PgTemp.freshSchema();
    PostgresStore store =
        PostgresStore.open(
            PostgresConfig.of(PgTemp.shared().url())
                .withSchema(schema)
                .withPoolSize(2)
                .withConnectionTimeout(Duration.ofSeconds(30)),
            clock,
            1,
            new SplittableRandom(7));
    TransactionalEnqueue sql = new TransactionalEnqueue(schema);
    return (TaskStore)
        Proxy.newProxyInstance(
            TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class},
            (proxy, method, args) -> {
              if (method.getName().equals("taskEnqueueMany")) {
                @SuppressWarnings("unchecked")
                List<TaskSpec> specs = (List<TaskSpec>) args[1];
                return enqueue(store, sql, clock, (String) args[0], specs);
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static List<EnqueueResult> enqueue(
      PostgresStore store,
      TransactionalEnqueue sql,
      ManualClock clock,
      String queue,
      List<TaskSpec> specs)
      throws SQLException {
    List<TransactionalEnqueue.Enqueued> made = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(PgTemp.shared().url())) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL stoker.now_ms = " + clock.millis());
      }
      for (TaskSpec spec : specs) {
        made.add(sql.enqueue(c, queue, spec));
      }
      c.commit();
    }
    return made.stream()
        .map(
            e ->
                new EnqueueResult(
                    store.taskGet(TaskId.parse(e.taskId())).orElseThrow(), e.duplicate()))
        .toList();
  }
}
