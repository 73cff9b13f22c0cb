package dev.stoker.verify;

import java.util.Locale;

/** The faults {@code stoker verify} can inject. */
public enum Fault {
  /** SIGKILL a server, then start it again on the same port and data. */
  KILL,
  /** SIGSTOP a server, SIGCONT it later; a third of the pauses outlast the lease. */
  PAUSE,
  /**
   * SIGKILL the database's postmaster (backends with a database of their own, e.g. postgres), then
   * start it again on the same port and data; the servers answer 503 meanwhile and must recover.
   */
  DB_KILL,
  /**
   * SIGKILL one member of the etcd cluster (the etcd backend), the leader every other time, then
   * start it again on its ports and data; the servers ride out the election.
   */
  ETCD_KILL,
  /**
   * Power loss: SIGKILL a server whose data lives on a filesystem that then drops every write not
   * yet fsync'd (bin/powerfs), and start it again on what was durable. Embedded and cluster
   * backends.
   */
  POWER,
  /**
   * Offset a server's clock. Not meaningful for a single embedded node (see docs/reliability.md).
   */
  SKEW,
  /** Cut links between nodes. Only for backends with more than one node talking to each other. */
  PARTITION;

  /** Parses {@code kill}, {@code pause}, ... case-insensitively. */
  public static Fault parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown fault '"
              + s
              + "'; known: kill, pause, power, db-kill, etcd-kill, skew, partition");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
