package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * The key layout under one prefix (docs/backends/etcd.md). Keys are ASCII; every field that must
 * sort is fixed-width lower-case hex, so etcd's bytewise order is the order an operation needs.
 * Queue names ({@code [A-Za-z0-9._-]}) never contain {@code /}, so one queue's keys never share a
 * prefix with another's.
 *
 * <pre>
 * meta/token-key                 the lease-token signing key
 * meta/node-seq                  the last node id handed out
 * meta/election                  the election of the server that sweeps
 * queue/QUEUE                    the queue's settings (present once the queue is used or configured)
 * task/ID                        the task's record: the only copy of its body
 * id/QUEUE/ID                    every task of the queue, in id order (listing)
 * r/QUEUE/PRIO RUNAT ID          ready: pending and due, in claim order (priority desc, run_at, id)
 * d/QUEUE/RUNAT ID               delayed: pending, run_at still ahead
 * w/QUEUE/EXPIRES ID             working, by lease expiry
 * lock/ID                        the claim's lock, bound to the etcd lease of the server that serves it
 * f/QUEUE/S/ID                   finished (S = 2 done, 3 dead, 4 cancelled), in id order
 * x/QUEUE/FINISHED ID            finished, by the time it finished (retention)
 * u/QUEUE/KEY                    the unique key of a live task: its id
 * b/BATCH/owner                  an enqueue batch larger than one transaction, being written: bound to
 *                                the lease of the server writing it (BATCH: its first task's id)
 * b/BATCH/part/N                 its tasks, as made (N: 4 hex digits)
 * b/BATCH/commit                 present once the batch is stored: its tasks are then written out
 * </pre>
 */
final class Keys {
  /** Width of a task id's text (Crockford base32 sorts like the id). */
  static final int ID = TaskId.TEXT_LENGTH;

  static final int TIME = 16;
  static final int PRIORITY = 8;

  private final String root;

  Keys(String prefix) {
    this.root = prefix.endsWith("/") ? prefix : prefix + "/";
  }

  String root() {
    return root;
  }

  ByteSequence tokenKey() {
    return bytes(root + "meta/token-key");
  }

  ByteSequence nodeSeq() {
    return bytes(root + "meta/node-seq");
  }

  ByteSequence election() {
    return bytes(root + "meta/election");
  }

  ByteSequence queue(String queue) {
    return bytes(queuePrefix() + queue);
  }

  String queuePrefix() {
    return root + "queue/";
  }

  ByteSequence task(TaskId id) {
    return bytes(root + "task/" + id);
  }

  ByteSequence lock(TaskId id) {
    return bytes(lockPrefix() + id);
  }

  String lockPrefix() {
    return root + "lock/";
  }

  String byId(String queue) {
    return root + "id/" + queue + "/";
  }

  ByteSequence byId(String queue, TaskId id) {
    return bytes(byId(queue) + id);
  }

  String ready(String queue) {
    return root + "r/" + queue + "/";
  }

  String readyRoot() {
    return root + "r/";
  }

  /** The ready key: priority descending (2147483647 − priority as u32), then run_at, then id. */
  ByteSequence ready(Task t) {
    return bytes(ready(t.queue()) + readyOrder(t.priority(), t.runAt()) + t.id());
  }

  /** The part of a ready key that sorts by priority and run_at. */
  static String readyOrder(int priority, long runAt) {
    return hex(2147483647L - priority, PRIORITY) + time(runAt);
  }

  String delayed(String queue) {
    return root + "d/" + queue + "/";
  }

  ByteSequence delayed(Task t) {
    return bytes(delayed(t.queue()) + time(t.runAt()) + t.id());
  }

  String working(String queue) {
    return root + "w/" + queue + "/";
  }

  ByteSequence working(Task t) {
    return bytes(working(t.queue()) + time(t.lease().expiresAt()) + t.id());
  }

  String finished(String queue, TaskState state) {
    return root + "f/" + queue + "/" + state.ordinal() + "/";
  }

  ByteSequence finished(Task t) {
    return bytes(finished(t.queue(), t.state()) + t.id());
  }

  String expiry(String queue) {
    return root + "x/" + queue + "/";
  }

  ByteSequence expiry(Task t) {
    return bytes(expiry(t.queue()) + time(t.updatedAt()) + t.id());
  }

  ByteSequence unique(String queue, String uniqueKey) {
    return bytes(root + "u/" + queue + "/" + uniqueKey);
  }

  String batches() {
    return root + "b/";
  }

  String batch(String batchId) {
    return batches() + batchId + "/";
  }

  ByteSequence batchOwner(String batchId) {
    return bytes(batch(batchId) + "owner");
  }

  ByteSequence batchPart(String batchId, int n) {
    return bytes(batch(batchId) + "part/" + hex(n, 4));
  }

  String batchParts(String batchId) {
    return batch(batchId) + "part/";
  }

  ByteSequence batchCommit(String batchId) {
    return bytes(batch(batchId) + "commit");
  }

  /** A time (epoch ms) as 16 hex digits with the sign bit flipped, so negative times sort first. */
  static String time(long millis) {
    return hex(millis ^ Long.MIN_VALUE, TIME);
  }

  static long parseTime(String s, int at) {
    return Long.parseUnsignedLong(s.substring(at, at + TIME), 16) ^ Long.MIN_VALUE;
  }

  /** The id at the end of an index key. */
  static TaskId idAtEnd(String key) {
    return TaskId.parse(key.substring(key.length() - ID));
  }

  private static String hex(long v, int width) {
    String h = Long.toHexString(v);
    if (h.length() > width) {
      h = h.substring(h.length() - width);
    }
    return "0".repeat(width - h.length()) + h;
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** The smallest key after every key that starts with {@code prefix}. */
  static String end(String prefix) {
    char last = prefix.charAt(prefix.length() - 1);
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }

  /** The smallest key after {@code key}. */
  static String after(String key) {
    return key + '\0';
  }
}
