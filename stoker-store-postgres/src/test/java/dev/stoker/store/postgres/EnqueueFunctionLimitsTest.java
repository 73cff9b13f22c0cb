package dev.stoker.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.InvalidInput;
import dev.stoker.core.Limits;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.Traceparent;
import dev.stoker.testkit.PgTemp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SQL enqueue function, called directly (as another language would), accepts and refuses
 * exactly what {@link Limits} does at each limit's edge: its limits are filled in from Limits when
 * the schema is migrated, and this checks they are the ones in force.
 */
class EnqueueFunctionLimitsTest {
  private String schema;
  private Connection c;

  @BeforeEach
  void migrate() throws SQLException {
    schema = PgTemp.freshSchema();
    c = DriverManager.getConnection(PgTemp.shared().url());
    c.setAutoCommit(false);
    Migrations.apply(c, schema);
    c.setAutoCommit(true);
  }

  @AfterEach
  void disconnect() throws SQLException {
    c.close();
  }

  @Test
  void a_queue_name_at_the_limit_is_taken_and_one_longer_is_refused() throws SQLException {
    String longest = "q".repeat(Limits.MAX_QUEUE_NAME);
    assertThat(Limits.checkQueueName("queue", longest)).isEqualTo(longest);
    assertTaken(longest, "n", 0, null, null);

    assertRefused("queue", longest + "q", "n", 0, null, null);
    assertRefused("queue", "..", "n", 0, null, null);
  }

  @Test
  void name_and_unique_key_at_the_limit_are_taken_and_one_longer_is_refused() throws SQLException {
    String name = "n".repeat(Limits.MAX_TASK_NAME);
    String key = "k".repeat(Limits.MAX_UNIQUE_KEY);
    assertTaken("q", name, 0, key, null);

    assertRefused("name", "q", name + "n", 0, null, null);
    assertRefused("unique_key", "q", "n", 0, key + "k", null);
  }

  @Test
  void delay_and_attempts_at_the_limits_are_taken_and_beyond_them_refused() throws SQLException {
    assertTaken("q", "n", Limits.MAX_DURATION_MS, null, Limits.MAX_ATTEMPTS);
    assertTaken("q", "n", 0, null, 1);

    assertRefused("delay_ms", "q", "n", Limits.MAX_DURATION_MS + 1, null, null);
    assertRefused("delay_ms", "q", "n", -1, null, null);
    assertRefused("max_attempts", "q", "n", 0, null, Limits.MAX_ATTEMPTS + 1);
    assertRefused("max_attempts", "q", "n", 0, null, 0);
  }

  @Test
  void a_traceparent_is_kept_and_one_the_api_refuses_the_function_refuses_too()
      throws SQLException {
    String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-";
    String longest = later + "x".repeat(Traceparent.MAX_LENGTH - later.length());
    String viaJava =
        new TransactionalEnqueue(schema)
            .enqueue(c, "q", TaskSpec.of("n", "{}").inTrace(valid))
            .taskId();
    assertThat(traceparentOf(viaJava)).isEqualTo(valid);
    for (String ok : new String[] {valid, longest}) {
      assertThat(Traceparent.check("traceparent", ok)).isEqualTo(ok);
      assertThat(traceparentOf(traced(ok))).isEqualTo(ok);
    }
    for (String bad :
        new String[] {
          valid.toUpperCase(),
          "ff" + valid.substring(2),
          "00-" + "0".repeat(32) + valid.substring(35),
          valid.substring(0, 36) + "0".repeat(16) + valid.substring(52),
          valid + "-extra",
          longest + "x",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        }) {
      assertThatThrownBy(() -> Traceparent.check("traceparent", bad))
          .as("the API refuses %s", bad)
          .isInstanceOf(InvalidInput.class);
      assertThatThrownBy(() -> traced(bad))
          .as("the SQL function refuses %s", bad)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("traceparent:")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }
  }

  private String traceparentOf(String taskId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT traceparent FROM "
                + schema
                + ".tasks WHERE "
                + schema
                + ".task_id_text(id) = ?")) {
      ps.setString(1, taskId);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }

  private String traced(String traceparent) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT task_id FROM "
                + schema
                + ".enqueue(queue => 'q', name => 'n', traceparent => ?)")) {
      ps.setString(1, traceparent);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private void assertTaken(String queue, String name, long delayMs, String key, Integer attempts)
      throws SQLException {
    Limits.DEFAULT.check(spec(name, delayMs, key, attempts));
    try (ResultSet rs = call(queue, name, delayMs, key, attempts)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).hasSize(26);
    }
  }

  private void assertRefused(
      String field, String queue, String name, long delayMs, String key, Integer attempts) {
    assertThatThrownBy(
            () -> {
              Limits.checkQueueName("queue", queue);
              Limits.DEFAULT.check(spec(name, delayMs, key, attempts));
            })
        .as("Limits refuses it")
        .isInstanceOf(InvalidInput.class);
    assertThatThrownBy(() -> call(queue, name, delayMs, key, attempts).close())
        .as("the SQL function refuses it")
        .isInstanceOf(SQLException.class)
        .hasMessageContaining(field + ":")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
  }

  private static TaskSpec spec(String name, long delayMs, String key, Integer attempts) {
    return new TaskSpec(name, "{}", 0, null, delayMs, key, attempts);
  }

  private ResultSet call(String queue, String name, long delayMs, String key, Integer attempts)
      throws SQLException {
    PreparedStatement ps =
        c.prepareStatement(
            "SELECT task_id FROM "
                + schema
                + ".enqueue(queue => ?, name => ?, delay_ms => ?, unique_key => ?, max_attempts => ?)");
    ps.closeOnCompletion();
    ps.setString(1, queue);
    ps.setString(2, name);
    ps.setLong(3, delayMs);
    ps.setString(4, key);
    ps.setObject(5, attempts, java.sql.Types.INTEGER);
    return ps.executeQuery();
  }
}
