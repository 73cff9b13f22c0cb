package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.TaskSpec;
import dev.stoker.store.postgres.TransactionalEnqueue;
import dev.stoker.testkit.PgTemp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transactional enqueue on a real server over PostgreSQL: the task exists if and only if the
 * application's transaction commits, both through the Java API and through the SQL function, and a
 * committed task is claimable through the HTTP API (a waiting claim is woken by the commit).
 */
class PostgresTransactionalEnqueueTest {
  private static final String SCHEMA = PgTemp.freshSchema();
  private static StokerProcess server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = StokerProcess.startOnPostgres(PgTemp.shared().url(), SCHEMA);
    http = new Http(server.url());
    PgTemp.shared().execute("CREATE TABLE " + SCHEMA + ".orders (id integer PRIMARY KEY)");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Connection connect() throws Exception {
    Connection c = DriverManager.getConnection(PgTemp.shared().url());
    c.setAutoCommit(false);
    return c;
  }

  @Test
  void java_api_rolled_back_leaves_no_task_and_committed_is_claimable() throws Exception {
    TransactionalEnqueue stoker = new TransactionalEnqueue(SCHEMA);
    String rolledBack;
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + SCHEMA + ".orders VALUES (1)");
      rolledBack = stoker.enqueue(c, "tx-java", TaskSpec.of("receipt", "{\"order\":1}")).taskId();
      c.rollback();
    }
    assertThat(http.get("/v1/tasks/" + rolledBack).status()).isEqualTo(404);
    assertThat(http.get("/v1/queues/tx-java").at("/counts/pending").asInt()).isZero();

    CompletableFuture<Http.Reply> waiting =
        CompletableFuture.supplyAsync(() -> claim("tx-java", 20_000));
    String committed;
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + SCHEMA + ".orders VALUES (2)");
      TransactionalEnqueue.Enqueued e =
          stoker.enqueue(
              c,
              "tx-java",
              new TaskSpec("receipt", "{\"order\":2}", 3, null, null, "order-2", null));
      assertThat(e.duplicate()).isFalse();
      committed = e.taskId();
      assertThat(
              stoker.enqueue(
                  c, "tx-java", new TaskSpec("receipt", "{}", 0, null, null, "order-2", null)))
          .isEqualTo(new TransactionalEnqueue.Enqueued(committed, true));
      c.commit();
    }
    Http.Reply claimed = waiting.get();
    assertThat(claimed.at("/tasks/0/id").asText()).isEqualTo(committed);
    assertThat(claimed.at("/tasks/0/params/order").asInt()).isEqualTo(2);
    assertThat(claimed.at("/tasks/0/priority").asInt()).isEqualTo(3);
    String token = claimed.at("/tasks/0/lease/token").asText();
    assertThat(
            http.post(
                    "/v1/tasks/" + committed + "/complete",
                    Http.json(java.util.Map.of("token", token)))
                .status())
        .isEqualTo(200);
  }

  @Test
  void sql_function_rolled_back_leaves_no_task_and_committed_is_claimable() throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + SCHEMA + ".orders VALUES (10)");
      st.execute("SELECT * FROM " + SCHEMA + ".enqueue('tx-sql', 'receipt', '{\"order\": 10}')");
      c.rollback();
    }
    assertThat(claim("tx-sql", 0).at("/tasks").size()).isZero();

    String id;
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + SCHEMA + ".orders VALUES (11)");
      try (ResultSet rs =
          st.executeQuery(
              "SELECT task_id, duplicate FROM "
                  + SCHEMA
                  + ".enqueue(queue => 'tx-sql', name => 'receipt', params => '{\"order\": 11}', max_attempts => 3)")) {
        rs.next();
        id = rs.getString(1);
        assertThat(rs.getBoolean(2)).isFalse();
      }
      c.commit();
    }
    Http.Reply task = http.get("/v1/tasks/" + id);
    assertThat(task.status()).isEqualTo(200);
    assertThat(task.at("/max_attempts").asInt()).isEqualTo(3);
    assertThat(http.get("/v1/queues/tx-sql").at("/counts/pending").asInt()).isEqualTo(1);
    Http.Reply claimed = claim("tx-sql", 0);
    assertThat(claimed.at("/tasks/0/id").asText()).isEqualTo(id);
    assertThat(claimed.at("/tasks/0/params/order").asInt()).isEqualTo(11);
  }

  private static Http.Reply claim(String queue, int waitMs) {
    try {
      return http.post(
          "/v1/queues/" + queue + "/claim", "{\"worker\":\"w\",\"wait_ms\":" + waitMs + "}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
