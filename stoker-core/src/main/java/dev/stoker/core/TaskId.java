package dev.stoker.core;

/**
 * A task's identity: 128 bits, time-ordered and unique across nodes.
 *
 * <p>The high word is the creation millisecond (48 bits) and the creating node (16 bits); the low
 * word is a per-node monotonic counter seeded at random each millisecond (as ULIDs do). Ids
 * therefore sort by creation time, and two nodes can never produce the same id. On the wire an id
 * is 26 characters of Crockford's base32, which sort the same way as the ids.
 */
public record TaskId(long hi, long lo) implements Comparable<TaskId> {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final byte[] DECODE = new byte[128];

  /** Length of the textual form. */
  public static final int TEXT_LENGTH = 26;

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      DECODE[ALPHABET[i]] = (byte) i;
      DECODE[Character.toLowerCase(ALPHABET[i])] = (byte) i;
    }
  }

  public long createdMillis() {
    return hi >>> 16;
  }

  @Override
  public int compareTo(TaskId o) {
    int c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }

  @Override
  public String toString() {
    char[] out = new char[TEXT_LENGTH];
    for (int i = 0; i < TEXT_LENGTH; i++) {
      out[i] = ALPHABET[fiveBitsAt(125 - 5 * i)];
    }
    return new String(out);
  }

  private int fiveBitsAt(int shift) {
    long v;
    if (shift >= 64) {
      v = hi >>> (shift - 64);
    } else if (shift > 59) {
      v = (lo >>> shift) | (hi << (64 - shift));
    } else {
      v = lo >>> shift;
    }
    return (int) (v & 31);
  }

  /**
   * Parses the textual form (case-insensitive).
   *
   * @throws IllegalArgumentException if {@code text} is not a task id
   */
  public static TaskId parse(String text) {
    if (text == null || text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException("a task id is " + TEXT_LENGTH + " characters of base32");
    }
    int first = decode(text.charAt(0));
    if (first > 7) {
      throw new IllegalArgumentException("task id out of range");
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < TEXT_LENGTH; i++) {
      int d = decode(text.charAt(i));
      hi = (hi << 5) | (lo >>> 59);
      lo = (lo << 5) | d;
    }
    return new TaskId(hi, lo);
  }

  /** The id, or null when {@code text} is not a task id. */
  public static TaskId tryParse(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int decode(char c) {
    int d = c < 128 ? DECODE[c] : -1;
    if (d < 0) {
      throw new IllegalArgumentException("a task id is " + TEXT_LENGTH + " characters of base32");
    }
    return d;
  }
}
