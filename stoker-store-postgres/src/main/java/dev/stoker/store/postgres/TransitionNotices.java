package dev.stoker.store.postgres;

import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.store.Transition;
import java.util.ArrayList;
import java.util.List;

/**
 * The NOTIFY payloads that tell the other servers over the database which transitions a transaction
 * made, so that their event feeds show them (docs/backends/postgres.md#events, docs/adr/0008).
 *
 * <p>A payload is small and of fixed shape, not the task: {@code !NODE T<id><hlc> T<id><hlc> ...}
 * with the writing server's node id, and per transition a letter for it, the task id and the hlc of
 * the version it made (node and hlc name that version). A task's text may be up to hundreds of
 * kilobytes, NOTIFY's payload at most 8,000 bytes, and every notification passes through one queue
 * of the whole cluster; so the listener reads the tasks back, and publishes a transition only when
 * the task is still at that version (otherwise a later transition's notice, or this server's own
 * reply, carries the newer task). A payload starts with {@code !}, which no queue name does, so it
 * shares the channel of the claim wake-ups (whose payload is a queue name).
 */
final class TransitionNotices {
  /** A payload's most bytes: NOTIFY's limit is 8,000. Every character is ASCII. */
  static final int MAX_PAYLOAD = 7_900;

  static final char MARK = '!';

  private static final Transition[] TRANSITIONS = Transition.values();

  private final String header;
  private final List<String> payloads = new ArrayList<>();
  private StringBuilder current;

  TransitionNotices(int node) {
    this.header = header(node);
  }

  /** The start of every payload of {@code node}'s transactions. */
  static String header(int node) {
    return MARK + Integer.toHexString(node);
  }

  /** Notes that {@code task} is the version {@code transition} made. */
  void add(Transition transition, Task task) {
    String entry =
        " "
            + (char) ('a' + transition.ordinal())
            + task.id()
            + Long.toHexString(task.version().hlc());
    if (current == null || current.length() + entry.length() > MAX_PAYLOAD) {
      current = new StringBuilder(header);
      payloads.add(null);
    }
    current.append(entry);
    payloads.set(payloads.size() - 1, current.toString());
  }

  List<String> payloads() {
    return payloads;
  }

  /** One transition a payload names. */
  record Notice(Transition transition, TaskId id, long hlc) {}

  /** A parsed payload: the node that wrote it and its notices. */
  record Parsed(int node, List<Notice> notices) {}

  static boolean isNotice(String payload) {
    return !payload.isEmpty() && payload.charAt(0) == MARK;
  }

  /**
   * Parses a payload of {@link #add}; throws {@link IllegalArgumentException} for one that is not.
   */
  static Parsed parse(String payload) {
    String[] parts = payload.substring(1).split(" ");
    int node = Integer.parseInt(parts[0], 16);
    List<Notice> notices = new ArrayList<>(parts.length - 1);
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i];
      int code = p.charAt(0) - 'a';
      if (code < 0 || code >= TRANSITIONS.length) {
        throw new IllegalArgumentException("no transition " + p.charAt(0));
      }
      int idEnd = 1 + TaskId.TEXT_LENGTH;
      notices.add(
          new Notice(
              TRANSITIONS[code],
              TaskId.parse(p.substring(1, idEnd)),
              Long.parseUnsignedLong(p.substring(idEnd), 16)));
    }
    return new Parsed(node, notices);
  }
}
