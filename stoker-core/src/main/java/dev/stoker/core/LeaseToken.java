package dev.stoker.core;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * The lease token: names one claim of one task, by the task's id and the version the claim made. A
 * token is current exactly while the task is still working under that version; any later transition
 * (completion, failure, release, expiry, a newer claim) makes it stale.
 *
 * <p>On the wire it is opaque: {@code "t1."} followed by base64url of id and version.
 */
public record LeaseToken(TaskId taskId, long generation, long epoch, long hlc, int node) {
  private static final String PREFIX = "t1.";
  private static final int BYTES = 16 + 8 + 8 + 8 + 2;

  /** Longest text a well-formed token can have; longer input is refused before parsing. */
  public static final int MAX_TEXT_LENGTH = 64;

  public static LeaseToken of(TaskId id, Version v) {
    return new LeaseToken(id, v.generation(), v.epoch(), v.hlc(), v.node());
  }

  /** Whether this token names the claim that {@code task} is working under right now. */
  public boolean isCurrentFor(Task task) {
    Version v = task.version();
    return task.state() == TaskState.WORKING
        && taskId.equals(task.id())
        && v.generation() == generation
        && v.epoch() == epoch
        && v.hlc() == hlc
        && v.node() == node;
  }

  public String encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.putLong(taskId.hi()).putLong(taskId.lo()).putLong(generation).putLong(epoch).putLong(hlc);
    b.putShort((short) node);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** The token, or null when {@code text} is not one. */
  public static LeaseToken tryParse(String text) {
    if (text == null || text.length() > MAX_TEXT_LENGTH || !text.startsWith(PREFIX)) {
      return null;
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (raw.length != BYTES) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    TaskId id = new TaskId(b.getLong(), b.getLong());
    return new LeaseToken(id, b.getLong(), b.getLong(), b.getLong(), b.getShort() & 0xFFFF);
  }
}
