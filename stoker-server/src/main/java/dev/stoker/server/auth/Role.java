package dev.stoker.server.auth;

import java.util.Locale;

/**
 * What a bearer token may do (docs/security.md has the table). Every role may read what its queue
 * patterns cover; beyond that a {@code producer} enqueues, a {@code worker} claims and settles
 * claims, and an {@code admin} may do everything, including settings, cancel, retry and redrive.
 */
public enum Role {
  /** Enqueues tasks; reads its queues and their tasks. */
  PRODUCER,
  /** Claims tasks and heartbeats, completes, fails or releases them; reads its queues and tasks. */
  WORKER,
  /** Reads its queues and their tasks; changes nothing. */
  VIEWER,
  /** Everything on its queues, including settings, cancel, retry and redrive. */
  ADMIN;

  /** What a request does, as far as permissions go. */
  public enum Action {
    /** GET of queues, a queue, its tasks or one task. */
    READ,
    /** POST /v1/queues/{queue}/tasks. */
    ENQUEUE,
    /** POST /v1/queues/{queue}/claim, and heartbeat, complete, fail, release of a claimed task. */
    WORK,
    /**
     * PUT /v1/queues/{queue}, POST /v1/queues/{queue}/redrive, POST /v1/tasks/{id}/cancel and
     * /retry.
     */
    MANAGE
  }

  /** Whether this role may do {@code action} (on a queue its patterns cover). */
  public boolean permits(Action action) {
    return switch (this) {
      case ADMIN -> true;
      case VIEWER -> action == Action.READ;
      case PRODUCER -> action == Action.READ || action == Action.ENQUEUE;
      case WORKER -> action == Action.READ || action == Action.WORK;
    };
  }

  /** The name used in token files and on the command line. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named {@code name}, or null. */
  public static Role fromWireName(String name) {
    for (Role r : values()) {
      if (r.wireName().equals(name)) {
        return r;
      }
    }
    return null;
  }
}
