package dev.stoker.store.embedded;

import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key layout of every column family (docs/storage.md). Keys are big-endian so that RocksDB's
 * bytewise order is the numeric order; signed numbers have their sign bit flipped for the same
 * reason. Queues appear in keys as a 4-byte number assigned on first use, not by name.
 */
final class Keys {
  private Keys() {}

  static final int ID_BYTES = 16;

  /** tasks: id → task record. */
  static byte[] task(TaskId id) {
    return ByteBuffer.allocate(ID_BYTES).putLong(id.hi()).putLong(id.lo()).array();
  }

  static TaskId taskId(byte[] key, int offset) {
    ByteBuffer b = ByteBuffer.wrap(key, offset, ID_BYTES);
    return new TaskId(b.getLong(), b.getLong());
  }

  /** ready: queue, priority (descending), run_at, id → empty. The claim order is the key order. */
  static byte[] ready(int queue, int priority, long runAt, TaskId id) {
    return ByteBuffer.allocate(4 + 4 + 8 + ID_BYTES)
        .putInt(queue)
        .putInt((int) (Integer.MAX_VALUE - (long) priority))
        .putLong(runAt ^ Long.MIN_VALUE)
        .putLong(id.hi())
        .putLong(id.lo())
        .array();
  }

  /**
   * ready in cluster mode: queue, home node, priority (descending), run_at, id → empty. One range
   * per home, each in claim order: a node claims from the ranges of the homes it may hand out and
   * never passes over the tasks of the others.
   */
  static byte[] readyOfHome(int queue, int home, int priority, long runAt, TaskId id) {
    return ByteBuffer.allocate(4 + 2 + 4 + 8 + ID_BYTES)
        .putInt(queue)
        .putShort((short) home)
        .putInt((int) (Integer.MAX_VALUE - (long) priority))
        .putLong(runAt ^ Long.MIN_VALUE)
        .putLong(id.hi())
        .putLong(id.lo())
        .array();
  }

  /** The start of one home's range of a queue's ready index in cluster mode. */
  static byte[] homePrefix(int queue, int home) {
    return ByteBuffer.allocate(4 + 2).putInt(queue).putShort((short) home).array();
  }

  static byte[] queuePrefix(int queue) {
    return ByteBuffer.allocate(4).putInt(queue).array();
  }

  /** The id at the end of a ready, by-queue or by-state key. */
  static TaskId trailingId(byte[] key) {
    return taskId(key, key.length - ID_BYTES);
  }

  /**
   * scheduled (pending with a future run_at), leases (working, by expiry) and expiry (finished, by
   * prune time): time, id → empty. One ordered index per kind of deadline, so the sweeper reads
   * only what is due.
   */
  static byte[] timed(long millis, TaskId id) {
    return ByteBuffer.allocate(8 + ID_BYTES)
        .putLong(millis ^ Long.MIN_VALUE)
        .putLong(id.hi())
        .putLong(id.lo())
        .array();
  }

  static long timedMillis(byte[] key) {
    return ByteBuffer.wrap(key, 0, 8).getLong() ^ Long.MIN_VALUE;
  }

  static byte[] timedFloor(long millis) {
    return ByteBuffer.allocate(8).putLong(millis ^ Long.MIN_VALUE).array();
  }

  /** by_queue: queue, id → empty. Lists a queue's tasks in id order. */
  static byte[] byQueue(int queue, TaskId id) {
    return ByteBuffer.allocate(4 + ID_BYTES)
        .putInt(queue)
        .putLong(id.hi())
        .putLong(id.lo())
        .array();
  }

  /**
   * by_state: queue, state, id → empty. Lists a queue's tasks in one state, and finds dead ones.
   */
  static byte[] byState(int queue, TaskState state, TaskId id) {
    return ByteBuffer.allocate(4 + 1 + ID_BYTES)
        .putInt(queue)
        .put((byte) state.ordinal())
        .putLong(id.hi())
        .putLong(id.lo())
        .array();
  }

  static byte[] byStatePrefix(int queue, TaskState state) {
    return ByteBuffer.allocate(5).putInt(queue).put((byte) state.ordinal()).array();
  }

  /** unique: queue, unique key (UTF-8) → id of the live task that holds it. */
  static byte[] unique(int queue, String uniqueKey) {
    byte[] k = uniqueKey.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + k.length).putInt(queue).put(k).array();
  }

  /**
   * queues: queue number → name and settings. counts: queue number → counts. replicas (cluster
   * mode): queue number → the merge state of the queue's settings (task ids there are 16 bytes).
   */
  static byte[] queue(int queue) {
    return queuePrefix(queue);
  }

  static boolean startsWith(byte[] key, byte[] prefix) {
    if (key.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** events (cluster mode): origin, seq → the event. Key order is each origin's log in order. */
  static byte[] event(int origin, long seq) {
    return ByteBuffer.allocate(2 + 8).putShort((short) origin).putLong(seq).array();
  }

  static int eventOrigin(byte[] key) {
    return ByteBuffer.wrap(key, 0, 2).getShort() & 0xFFFF;
  }

  static long eventSeq(byte[] key) {
    return ByteBuffer.wrap(key, 2, 8).getLong();
  }

  /** meta: fixed names. */
  static final byte[] META_HLC = "hlc".getBytes(StandardCharsets.US_ASCII);

  static final byte[] META_FORMAT = "format".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META_INCARNATION = "incarnation".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META_TOKEN_KEY = "lease_token_key".getBytes(StandardCharsets.US_ASCII);
}
