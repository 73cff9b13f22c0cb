package dev.stoker.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates and upgrades the schema at start-up: plain SQL scripts applied in order, each recorded in
 * {@code schema_version}, all in one transaction under an advisory lock so that servers starting at
 * the same time apply each script once (see docs/adr/0004-postgres-migrations.md).
 */
final class Migrations {
  /** Every script, in order; a script's version is its position + 1. Never edit one that shipped. */
  static final List<String> SCRIPTS = List.of("V1__tasks.sql", "V2__enqueue_function.sql");

  private Migrations() {}

  /** Brings the schema up to date; returns the version it is at. */
  static int apply(Connection c, String schema) throws SQLException {
    try (Statement st = c.createStatement()) {
      lock(c, schema);
      st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      st.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version integer PRIMARY KEY,"
          + " script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      int current;
      try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version")) {
        rs.next();
        current = rs.getInt(1);
      }
      if (current > SCRIPTS.size()) {
        c.rollback();
        throw new SQLException("the schema " + schema + " is at version " + current
            + ", newer than this server knows (" + SCRIPTS.size() + "); upgrade the server", "55000");
      }
      for (int v = current + 1; v <= SCRIPTS.size(); v++) {
        st.execute(read(SCRIPTS.get(v - 1)).replace("${schema}", schema));
        try (PreparedStatement ins = c.prepareStatement(
            "INSERT INTO " + schema + ".schema_version (version, script) VALUES (?, ?)")) {
          ins.setInt(1, v);
          ins.setString(2, SCRIPTS.get(v - 1));
          ins.executeUpdate();
        }
      }
      c.commit();
      return SCRIPTS.size();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    }
  }

  private static void lock(Connection c, String schema) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
      lock.setString(1, "stoker-migrations:" + schema);
      lock.execute();
    }
  }

  private static String read(String script) {
    try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + script)) {
      if (in == null) {
        throw new IllegalStateException("missing migration script " + script);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
