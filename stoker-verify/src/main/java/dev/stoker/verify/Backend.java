package dev.stoker.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The backends {@code stoker verify} knows: embedded, postgres, etcd and the AP cluster. */
public enum Backend {
  EMBEDDED,
  POSTGRES,
  ETCD,
  CLUSTER;

  /** Thrown for a backend that is not built yet. */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  public static Backend parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown backend '" + s + "'; known: embedded, postgres, etcd, cluster");
    }
  }

  /**
   * Checks, before anything starts, that this backend is built and can take {@code faults}.
   *
   * @throws Unavailable when the backend is not built yet
   * @throws IllegalArgumentException for a fault it cannot take
   */
  public void check(Set<Fault> faults) {
    Set<Fault> supported =
        switch (this) {
          case EMBEDDED -> EnumSet.of(Fault.KILL, Fault.PAUSE, Fault.POWER);
          case POSTGRES -> EnumSet.of(Fault.KILL, Fault.PAUSE, Fault.DB_KILL);
          case ETCD -> EnumSet.of(Fault.KILL, Fault.PAUSE, Fault.ETCD_KILL);
          case CLUSTER ->
              EnumSet.of(Fault.KILL, Fault.PAUSE, Fault.POWER, Fault.PARTITION, Fault.SKEW);
        };
    for (Fault f : faults) {
      if (!supported.contains(f)) {
        throw new IllegalArgumentException(
            "the "
                + label()
                + " backend cannot take '"
                + f.label()
                + "' faults"
                + ": "
                + switch (this) {
                  case EMBEDDED -> whyNotEmbedded(f);
                  case CLUSTER -> whyNotCluster(f);
                  default -> whyNotShared(f);
                });
      }
    }
  }

  private static String whyNotEmbedded(Fault f) {
    return switch (f) {
      case SKEW ->
          "a single node has no peer whose clock could disagree with its own, and its hybrid logical"
              + " clock already rides out steps of its own clock (see docs/reliability.md)";
      case DB_KILL ->
          "it has no database server of its own; 'kill' crashes the process that holds the data";
      case ETCD_KILL -> "it has no etcd cluster";
      default -> "it has a single node and no links to cut";
    };
  }

  private static String whyNotCluster(Fault f) {
    return "its nodes keep their own data, and 'kill' crashes a node with it";
  }

  /** Why a backend of servers over one shared database (postgres, etcd) cannot take {@code f}. */
  private String whyNotShared(Fault f) {
    return switch (f) {
      case DB_KILL -> "its database is an etcd cluster: use 'etcd-kill'";
      case ETCD_KILL -> "it has no etcd cluster: use 'db-kill'";
      case POWER ->
          "its servers keep no data; the database does, and '"
              + (this == ETCD ? "etcd-kill" : "db-kill")
              + "' crashes it (a database on a disk that loses power is not built yet)";
      default ->
          "its servers talk to the database, not to each other, so there are no links between them to cut"
              + " nor clocks that must agree (see docs/reliability.md)";
    };
  }

  /** The processes to test, under {@code dir}, ready for {@code faults}; not started yet. */
  Cluster cluster(Path dir, Set<Fault> faults) throws IOException {
    check(Set.of());
    return switch (this) {
      case POSTGRES -> new PostgresCluster();
      case ETCD -> new EtcdCluster();
      case CLUSTER -> new ApCluster(dir, faults.contains(Fault.POWER));
      default -> new EmbeddedCluster(dir, faults.contains(Fault.POWER));
    };
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
