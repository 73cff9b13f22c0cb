package dev.stoker.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.PgTemp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migrator on a real PostgreSQL: checksums recorded, old schemas upgraded, edited scripts
 * refused.
 */
class MigrationsTest {
  private final String schema = PgTemp.freshSchema();
  private Connection c;

  @BeforeEach
  void connect() throws SQLException {
    c = DriverManager.getConnection(PgTemp.shared().url());
    c.setAutoCommit(false);
  }

  @AfterEach
  void disconnect() throws SQLException {
    c.close();
  }

  @Test
  void a_fresh_schema_records_every_script_with_the_sha256_of_its_text() throws SQLException {
    assertThat(Migrations.apply(c, schema)).isEqualTo(8);

    Map<Integer, List<String>> rows = versions();
    List<Migrations.Script> shipped = Migrations.shipped();
    assertThat(rows)
        .containsExactly(
            Map.entry(1, List.of("V1__tasks.sql", shipped.get(0).checksum())),
            Map.entry(2, List.of("V2__enqueue_function.sql", shipped.get(1).checksum())),
            Map.entry(3, List.of("V3__enqueue_function_limits.sql", shipped.get(2).checksum())),
            Map.entry(4, List.of("V4__traceparent.sql", shipped.get(3).checksum())),
            Map.entry(5, List.of("V5__enqueue_traceparent.sql", shipped.get(4).checksum())),
            Map.entry(6, List.of("V6__feed_interest.sql", shipped.get(5).checksum())),
            Map.entry(7, List.of("V7__task_progress.sql", shipped.get(6).checksum())),
            Map.entry(8, List.of("V8__enqueue_notice.sql", shipped.get(7).checksum())));
    assertThat(shipped.get(0).checksum()).hasSize(64).matches("[0-9a-f]+");
    assertThat(Migrations.apply(c, schema)).as("a second start changes nothing").isEqualTo(8);
    assertThat(versions()).isEqualTo(rows);
  }

  @Test
  void a_schema_made_before_checksums_is_upgraded_in_place_and_keeps_its_data() throws Exception {
    oldSchema();
    exec("INSERT INTO " + schema + ".queues (name) VALUES ('kept')");
    c.commit();
    assertThat(versions()).containsEntry(1, List.of("V1__tasks.sql", "null"));

    assertThat(Migrations.apply(c, schema)).isEqualTo(8);

    List<Migrations.Script> shipped = Migrations.shipped();
    assertThat(versions())
        .containsExactly(
            Map.entry(1, List.of("V1__tasks.sql", shipped.get(0).checksum())),
            Map.entry(2, List.of("V2__enqueue_function.sql", shipped.get(1).checksum())),
            Map.entry(3, List.of("V3__enqueue_function_limits.sql", shipped.get(2).checksum())),
            Map.entry(4, List.of("V4__traceparent.sql", shipped.get(3).checksum())),
            Map.entry(5, List.of("V5__enqueue_traceparent.sql", shipped.get(4).checksum())),
            Map.entry(6, List.of("V6__feed_interest.sql", shipped.get(5).checksum())),
            Map.entry(7, List.of("V7__task_progress.sql", shipped.get(6).checksum())),
            Map.entry(8, List.of("V8__enqueue_notice.sql", shipped.get(7).checksum())));
    assertThat(query("SELECT name FROM " + schema + ".queues")).containsExactly("kept");
    // And a server starts on it and works.
    try (PostgresStore store = open()) {
      assertThat(store.describe()).contains("schema " + schema);
    }
  }

  @Test
  void a_server_whose_copy_of_an_applied_script_was_edited_refuses_to_start_and_changes_nothing()
      throws Exception {
    Migrations.apply(c, schema);
    List<Migrations.Script> edited = new ArrayList<>(Migrations.shipped());
    Migrations.Script v2 = edited.get(1);
    edited.set(
        1,
        new Migrations.Script(v2.name(), v2.sql() + "\n-- a fix slipped into a shipped script\n"));
    edited.add(new Migrations.Script("V9__more.sql", "CREATE TABLE ${schema}.more (id integer);"));

    assertThatThrownBy(() -> Migrations.apply(c, schema, edited))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining(
            "migration V2__enqueue_function.sql of schema "
                + schema
                + " was applied with checksum "
                + v2.checksum()
                + ", but this server's copy has "
                + edited.get(1).checksum())
        .hasMessageContaining("edited after it shipped")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55000"));
    assertThat(versions()).as("V9 not applied").containsOnlyKeys(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(
            query(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                    + schema
                    + "' AND table_name = 'more'"))
        .containsExactly("0");
  }

  @Test
  void a_server_refuses_to_open_a_schema_whose_recorded_checksum_differs_from_its_script()
      throws Exception {
    Migrations.apply(c, schema);
    exec("UPDATE " + schema + ".schema_version SET checksum = repeat('0', 64) WHERE version = 1");
    c.commit();

    assertThatThrownBy(this::open)
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(
            "cannot open the PostgreSQL store: migration V1__tasks.sql of schema "
                + schema
                + " was applied with checksum 0000");
  }

  @Test
  void a_renamed_script_or_a_newer_schema_is_refused() throws Exception {
    Migrations.apply(c, schema);
    List<Migrations.Script> renamed = new ArrayList<>(Migrations.shipped());
    renamed.set(0, new Migrations.Script("V1__other.sql", renamed.get(0).sql()));
    assertThatThrownBy(() -> Migrations.apply(c, schema, renamed))
        .hasMessageContaining(
            "migration 1 of schema "
                + schema
                + " was applied as V1__tasks.sql, but this server's"
                + " migration 1 is V1__other.sql");

    assertThatThrownBy(() -> Migrations.apply(c, schema, Migrations.shipped().subList(0, 1)))
        .hasMessageContaining("is at version 2, newer than this server knows (1)");
  }

  @Test
  void a_new_script_is_applied_once_and_recorded_with_its_checksum() throws Exception {
    Migrations.apply(c, schema);
    List<Migrations.Script> next = new ArrayList<>(Migrations.shipped());
    Migrations.Script v9 =
        new Migrations.Script("V9__more.sql", "CREATE TABLE ${schema}.more (id integer);");
    next.add(v9);

    assertThat(Migrations.apply(c, schema, next)).isEqualTo(9);
    assertThat(Migrations.apply(c, schema, next)).isEqualTo(9);

    assertThat(versions()).containsEntry(9, List.of("V9__more.sql", v9.checksum())).hasSize(9);
  }

  @Test
  void the_checksum_ignores_line_ends_and_the_schema_name() {
    Migrations.Script lf =
        new Migrations.Script("V1__x.sql", "CREATE TABLE ${schema}.a (id int);\nSELECT 1;\n");
    Migrations.Script crlf =
        new Migrations.Script("V1__x.sql", "CREATE TABLE ${schema}.a (id int);\r\nSELECT 1;\r\n");
    Migrations.Script other =
        new Migrations.Script("V1__x.sql", "CREATE TABLE ${schema}.a (id bigint);\nSELECT 1;\n");
    assertThat(crlf.checksum()).isEqualTo(lf.checksum());
    assertThat(other.checksum()).isNotEqualTo(lf.checksum());
    // SHA-256 of the empty text, as sha256sum prints it.
    assertThat(new Migrations.Script("e", "").checksum())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  /** The schema as servers before checksums left it: the same scripts, no checksum column. */
  private void oldSchema() throws SQLException {
    exec("CREATE SCHEMA " + schema);
    exec(
        "CREATE TABLE "
            + schema
            + ".schema_version (version integer PRIMARY KEY, script text NOT NULL,"
            + " applied_at timestamptz NOT NULL DEFAULT now())");
    List<Migrations.Script> shipped = Migrations.shipped();
    for (int v = 1; v <= shipped.size(); v++) {
      exec(Migrations.filled(shipped.get(v - 1).sql(), schema));
      exec(
          "INSERT INTO "
              + schema
              + ".schema_version (version, script) VALUES ("
              + v
              + ", '"
              + shipped.get(v - 1).name()
              + "')");
    }
    c.commit();
  }

  private PostgresStore open() {
    PostgresConfig config =
        PostgresConfig.of(PgTemp.shared().url())
            .withSchema(schema)
            .withPoolSize(2)
            .withConnectionTimeout(Duration.ofSeconds(30));
    return PostgresStore.open(config, new ManualClock(), 1, new SplittableRandom(1));
  }

  /** version → [script, checksum (or "null")]. */
  private Map<Integer, List<String>> versions() throws SQLException {
    Map<Integer, List<String>> out = new LinkedHashMap<>();
    boolean hasChecksum =
        !query(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = '"
                    + schema
                    + "' AND table_name = 'schema_version' AND column_name = 'checksum'")
            .isEmpty();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT version, script, "
                    + (hasChecksum ? "checksum" : "NULL")
                    + " FROM "
                    + schema
                    + ".schema_version ORDER BY version")) {
      while (rs.next()) {
        out.put(rs.getInt(1), List.of(rs.getString(2), String.valueOf(rs.getString(3))));
      }
    }
    c.rollback();
    return out;
  }

  private List<String> query(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    c.rollback();
    return out;
  }

  private void exec(String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
