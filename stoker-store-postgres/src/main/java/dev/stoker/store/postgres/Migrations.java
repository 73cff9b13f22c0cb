package dev.stoker.store.postgres;

import dev.stoker.core.Limits;
import dev.stoker.core.Traceparent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the schema at start-up: plain SQL scripts applied in order, each recorded in
 * {@code schema_version} with the SHA-256 of its text, all in one transaction under an advisory
 * lock so that servers starting at the same time apply each script once (see
 * docs/adr/0004-postgres-migrations.md). A server whose copy of an applied script differs from what
 * was applied refuses to start.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  /**
   * Every script, in order; a script's version is its position + 1. Never edit one that shipped.
   */
  static final List<String> SCRIPTS =
      List.of(
          "V1__tasks.sql",
          "V2__enqueue_function.sql",
          "V3__enqueue_function_limits.sql",
          "V4__traceparent.sql",
          "V5__enqueue_traceparent.sql",
          "V6__feed_interest.sql",
          "V7__task_progress.sql",
          "V8__enqueue_notice.sql");

  /** A migration: its file name and its SQL, with {@code ${schema}} still in it. */
  record Script(String name, String sql) {
    /**
     * SHA-256 of the text as shipped, before {@code ${schema}} is replaced (so every schema of one
     * release has the same checksums) and with line ends as LF (so a checkout with CRLF agrees).
     */
    String checksum() {
      try {
        byte[] text = sql.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }
  }

  private Migrations() {}

  /** The scripts of this release, read from the class path. */
  static List<Script> shipped() {
    return SCRIPTS.stream().map(name -> new Script(name, read(name))).toList();
  }

  /** Brings the schema up to date; returns the version it is at. */
  static int apply(Connection c, String schema) throws SQLException {
    return apply(c, schema, shipped());
  }

  /** Brings the schema up to {@code scripts}; returns the version it is at. */
  static int apply(Connection c, String schema, List<Script> scripts) throws SQLException {
    try (Statement st = c.createStatement()) {
      lock(c, schema);
      st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      st.execute(
          "CREATE TABLE IF NOT EXISTS "
              + schema
              + ".schema_version (version integer PRIMARY KEY,"
              + " script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      // Schemas made before checksums were recorded lack the column; it is the migrator's own
      // bookkeeping, so it is added here and not by a numbered script (which would stop an older
      // server).
      // Only when missing: ALTER needs the table's owner, and later starts may run as a lesser
      // user.
      if (!hasChecksumColumn(c, schema)) {
        st.execute("ALTER TABLE " + schema + ".schema_version ADD COLUMN checksum text");
        log.info("schema {}: schema_version now records a checksum per migration", schema);
      }
      int current = checkApplied(c, schema, scripts);
      for (int v = current + 1; v <= scripts.size(); v++) {
        Script s = scripts.get(v - 1);
        st.execute(filled(s.sql(), schema));
        try (PreparedStatement ins =
            c.prepareStatement(
                "INSERT INTO "
                    + schema
                    + ".schema_version (version, script, checksum) VALUES (?, ?, ?)")) {
          ins.setInt(1, v);
          ins.setString(2, s.name());
          ins.setString(3, s.checksum());
          ins.executeUpdate();
        }
      }
      c.commit();
      return scripts.size();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    }
  }

  /**
   * Checks each applied script against this server's copy: same name, same checksum. A script
   * applied before checksums were recorded gets this copy's checksum (trusted once, checked from
   * then on). Returns the version the schema is at.
   *
   * @throws SQLException (SQLSTATE 55000) when the schema is newer than {@code scripts}, or a
   *     script that was applied has since been renamed or edited
   */
  private static int checkApplied(Connection c, String schema, List<Script> scripts)
      throws SQLException {
    int current = 0;
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT version, script, checksum FROM "
                    + schema
                    + ".schema_version ORDER BY version");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        int v = rs.getInt(1);
        current = v;
        if (v > scripts.size()) {
          throw new SQLException(
              "the schema "
                  + schema
                  + " is at version "
                  + v
                  + ", newer than this server knows ("
                  + scripts.size()
                  + "); upgrade the server",
              "55000");
        }
        Script mine = scripts.get(v - 1);
        String name = rs.getString(2);
        String recorded = rs.getString(3);
        if (!mine.name().equals(name)) {
          throw new SQLException(
              "migration "
                  + v
                  + " of schema "
                  + schema
                  + " was applied as "
                  + name
                  + ", but this server's migration "
                  + v
                  + " is "
                  + mine.name()
                  + "; the server does not match the schema",
              "55000");
        }
        if (recorded == null) {
          record(c, schema, v, mine);
        } else if (!recorded.equals(mine.checksum())) {
          throw new SQLException(
              "migration "
                  + name
                  + " of schema "
                  + schema
                  + " was applied with checksum "
                  + recorded
                  + ", but this server's copy has "
                  + mine.checksum()
                  + ": a migration was edited after it"
                  + " shipped; run a server whose migrations match, or restore the script",
              "55000");
        }
      }
    }
    return current;
  }

  private static boolean hasChecksumColumn(Connection c, String schema) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = 'schema_version' AND column_name = 'checksum'")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void record(Connection c, String schema, int version, Script s)
      throws SQLException {
    try (PreparedStatement up =
        c.prepareStatement(
            "UPDATE " + schema + ".schema_version SET checksum = ? WHERE version = ?")) {
      up.setString(1, s.checksum());
      up.setInt(2, version);
      up.executeUpdate();
    }
    log.info(
        "schema {}: recorded the checksum of migration {}, applied before checksums were kept",
        schema,
        s.name());
  }

  /**
   * A script's SQL as it runs: {@code ${schema}} replaced by the schema's name and {@code
   * ${limit.*}} by the limits of {@link Limits} (so the SQL enqueue function checks what the API
   * checks). A limit that changes takes a new migration that re-creates what uses it: an applied
   * script is never run again.
   */
  static String filled(String sql, String schema) {
    return sql.replace("${schema}", schema)
        .replace("${limit.max_queue_name}", Integer.toString(Limits.MAX_QUEUE_NAME))
        .replace("${limit.max_task_name}", Integer.toString(Limits.MAX_TASK_NAME))
        .replace("${limit.max_unique_key}", Integer.toString(Limits.MAX_UNIQUE_KEY))
        .replace("${limit.max_attempts}", Integer.toString(Limits.MAX_ATTEMPTS))
        .replace("${limit.max_duration_ms}", Long.toString(Limits.MAX_DURATION_MS))
        .replace("${limit.max_traceparent}", Integer.toString(Traceparent.MAX_LENGTH));
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
