package dev.stoker.server;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The query string of a request: each parameter at most once, percent-decoded. */
final class Query {
  private final Map<String, String> values;

  private Query(Map<String, String> values) {
    this.values = values;
  }

  static Query parse(String raw) {
    Map<String, String> values = new HashMap<>();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (values.putIfAbsent(name, value) != null) {
          throw refusal(
              name, "query parameter '" + Requests.abbreviate(name) + "' is given more than once");
        }
      }
    }
    return new Query(values);
  }

  void only(String... allowed) {
    Set<String> ok = Set.of(allowed);
    for (String name : values.keySet()) {
      if (!ok.contains(name)) {
        throw refusal(
            name,
            "unknown query parameter '"
                + Requests.abbreviate(name)
                + "'; this endpoint takes "
                + String.join(", ", allowed));
      }
    }
  }

  String get(String name) {
    return values.get(name);
  }

  int integer(String name, int min, int max, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return (int) n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw refusal(
        name,
        name
            + " must be an integer between "
            + min
            + " and "
            + max
            + ", was '"
            + Requests.abbreviate(v)
            + "'");
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw refusal(null, "the query string is not valid percent-encoding");
    }
  }

  private static Problem.Refusal refusal(String field, String detail) {
    return Problem.of(400, "invalid-query", "Invalid query parameter", detail)
        .withField(field)
        .refusal();
  }
}
