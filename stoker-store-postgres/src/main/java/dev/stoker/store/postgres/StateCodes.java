package dev.stoker.store.postgres;

import dev.stoker.core.TaskState;

/**
 * The codes of the {@code state} column. They are fixed by the schema (V1__tasks.sql's indexes and
 * the SQL enqueue function name them), so they are spelled out here rather than taken from {@code
 * TaskState.ordinal()}, and SQL is written with these names, never with bare numbers.
 */
final class StateCodes {
  static final int PENDING = 0;
  static final int WORKING = 1;
  static final int DONE = 2;
  static final int DEAD = 3;
  static final int CANCELLED = 4;

  /**
   * The live states (pending, working) are the codes up to this one: {@code state <= LAST_LIVE}.
   */
  static final int LAST_LIVE = WORKING;

  /**
   * The finished states (done, dead, cancelled) are the codes from this one: {@code state >=
   * FIRST_FINISHED}.
   */
  static final int FIRST_FINISHED = DONE;

  private StateCodes() {}

  static int of(TaskState s) {
    return switch (s) {
      case PENDING -> PENDING;
      case WORKING -> WORKING;
      case DONE -> DONE;
      case DEAD -> DEAD;
      case CANCELLED -> CANCELLED;
    };
  }

  static TaskState state(int code) {
    return switch (code) {
      case PENDING -> TaskState.PENDING;
      case WORKING -> TaskState.WORKING;
      case DONE -> TaskState.DONE;
      case DEAD -> TaskState.DEAD;
      case CANCELLED -> TaskState.CANCELLED;
      default -> throw new IllegalStateException("unknown state code " + code);
    };
  }
}
