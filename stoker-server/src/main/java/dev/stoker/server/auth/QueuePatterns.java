package dev.stoker.server.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The queues a token covers: a comma-separated list of globs over queue names, where {@code *}
 * matches any run of characters (dots included) and every other character matches itself, e.g.
 * {@code billing.*,reports} or {@code *}.
 */
public final class QueuePatterns {
  private static final Pattern SYNTAX = Pattern.compile("[A-Za-z0-9._*-]{1,128}");

  private final List<String> globs;
  private final boolean all;

  private QueuePatterns(List<String> globs) {
    this.globs = List.copyOf(globs);
    this.all = globs.contains("*");
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when a pattern is empty or has a character no queue name has
   */
  public static QueuePatterns parse(String text) {
    List<String> globs = new ArrayList<>();
    for (String g : text.split(",", -1)) {
      String p = g.strip();
      if (!SYNTAX.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "'"
                + p
                + "' is not a queue pattern: 1-128 characters of "
                + "[A-Za-z0-9._-] and '*' (any run of characters), patterns separated by commas");
      }
      globs.add(p);
    }
    return new QueuePatterns(globs);
  }

  /** Whether the patterns cover every queue, so no lookup is needed to check one. */
  public boolean all() {
    return all;
  }

  /** Whether some pattern matches the whole of {@code queue}. */
  public boolean matches(String queue) {
    if (all) {
      return true;
    }
    for (String g : globs) {
      if (glob(g, 0, queue, 0)) {
        return true;
      }
    }
    return false;
  }

  // Patterns are short and written by operators: a plain recursive match is enough (no regex, so no
  // regex syntax to escape and no catastrophic backtracking beyond the pattern's few stars).
  private static boolean glob(String p, int pi, String s, int si) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        while (pi < p.length() && p.charAt(pi) == '*') {
          pi++;
        }
        if (pi == p.length()) {
          return true;
        }
        for (int k = si; k <= s.length(); k++) {
          if (glob(p, pi, s, k)) {
            return true;
          }
        }
        return false;
      }
      if (si >= s.length() || s.charAt(si) != c) {
        return false;
      }
      pi++;
      si++;
    }
    return si == s.length();
  }

  @Override
  public String toString() {
    return String.join(",", globs);
  }
}
