package dev.stoker.server;

import dev.stoker.server.auth.Role.Action;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Finds the endpoint a request names. A path belongs to the first route, in table order, whose
 * pattern matches it; its method then picks among the routes of that same pattern. A method the
 * path does not take is a 405 that lists the methods it does take. A path no pattern matches is a
 * 404, unless a pattern's parameter it reaches has a bad value: {@code /v1/queues/../../etc/tasks}
 * is a bad queue name (400), so a probe for path traversal is told what is wrong with it.
 */
final class RouteTable {
  /** What answers one endpoint. */
  @FunctionalInterface
  interface Handler {
    Response handle(Api api, Api.Call call);
  }

  /**
   * One endpoint: a method, a path pattern whose {@code {name}} segments match any one segment,
   * what a bearer token must be allowed to do to call it ({@code null}: no token needed), and its
   * handler.
   */
  record Route(String method, String pattern, Action action, Handler handler) {}

  /**
   * A route and the values its pattern's parameters took from the path, by parameter ({@code
   * "{queue}"}).
   */
  record Match(Route route, Map<String, String> params) {}

  private final List<Route> routes;
  private final List<String[]> patterns;
  private final Map<String, Consumer<String>> paramChecks;

  /** {@code paramChecks} throw a refusal for a bad value of each parameter the patterns use. */
  RouteTable(List<Route> routes, Map<String, Consumer<String>> paramChecks) {
    this.routes = List.copyOf(routes);
    this.patterns = routes.stream().map(r -> Api.segments(r.pattern())).toList();
    this.paramChecks = Map.copyOf(paramChecks);
  }

  /** Every route, in table order. */
  List<Route> routes() {
    return routes;
  }

  /**
   * The route {@code method} and {@code path} name.
   *
   * @throws Problem.Refusal a 404 when no pattern matches the path
   * @throws MethodNotAllowed when the path's pattern does not take {@code method}
   */
  Match match(String method, String path) {
    String[] s = Api.segments(path);
    int first = firstMatching(s);
    if (first < 0) {
      checkParamsReached(s);
      throw Problem.of(
              404,
              "unknown-endpoint",
              "Unknown endpoint",
              "no such endpoint: " + Requests.abbreviate(path) + " (see docs/api.md)")
          .refusal();
    }
    Match m = find(first, method, s);
    if (m == null) {
      List<String> allowed = new ArrayList<>();
      for (Route r : routes) {
        if (r.pattern().equals(routes.get(first).pattern())) {
          allowed.add(r.method());
        }
      }
      throw new MethodNotAllowed(method, allowed);
    }
    return m;
  }

  /** The route {@code method} and the path {@code segments} name, or null when there is none. */
  Match find(String method, String[] segments) {
    int first = firstMatching(segments);
    return first < 0 ? null : find(first, method, segments);
  }

  /**
   * The route {@code method} and {@code path} name, or null: for what needs no parameters (metrics,
   * spans).
   */
  Route route(String method, String path) {
    String[] s = Api.segments(path);
    int first = firstMatching(s);
    int i = first < 0 ? -1 : indexOf(first, method);
    return i < 0 ? null : routes.get(i);
  }

  private Match find(int first, String method, String[] segments) {
    int i = indexOf(first, method);
    return i < 0 ? null : new Match(routes.get(i), params(patterns.get(i), segments));
  }

  /**
   * Among the routes of the pattern of route {@code first}, the index of the one of {@code method},
   * or -1: they all come at or after it, since it is the first whose pattern matches.
   */
  private int indexOf(int first, String method) {
    String pattern = routes.get(first).pattern();
    for (int i = first; i < routes.size(); i++) {
      Route r = routes.get(i);
      if (r.pattern().equals(pattern) && r.method().equals(method)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the path is an endpoint open to everyone (health), whatever the method. */
  boolean isOpen(String[] segments) {
    int first = firstMatching(segments);
    if (first < 0) {
      return false;
    }
    String pattern = routes.get(first).pattern();
    return routes.stream().anyMatch(r -> r.pattern().equals(pattern) && r.action() == null);
  }

  /**
   * The index of the first route whose pattern matches, or -1. Allocates nothing: every request.
   */
  private int firstMatching(String[] segments) {
    for (int i = 0; i < patterns.size(); i++) {
      if (matches(patterns.get(i), segments)) {
        return i;
      }
    }
    return -1;
  }

  /** Checks the value of every parameter of a pattern whose segments before it match the path's. */
  private void checkParamsReached(String[] segments) {
    for (String[] pattern : patterns) {
      for (int i = 0; i < Math.min(pattern.length, segments.length); i++) {
        if (isParam(pattern[i])) {
          paramChecks.get(pattern[i]).accept(segments[i]);
        } else if (!pattern[i].equals(segments[i])) {
          break;
        }
      }
    }
  }

  private static boolean isParam(String patternSegment) {
    return patternSegment.startsWith("{") && patternSegment.endsWith("}");
  }

  private static boolean matches(String[] pattern, String[] segments) {
    if (pattern.length != segments.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (!isParam(pattern[i]) && !pattern[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** The parameters a matching {@code pattern} takes from {@code segments}. */
  private static Map<String, String> params(String[] pattern, String[] segments) {
    Map<String, String> params = Map.of();
    for (int i = 0; i < pattern.length; i++) {
      if (isParam(pattern[i])) {
        params =
            params.isEmpty()
                ? Map.of(pattern[i], segments[i])
                : with(params, pattern[i], segments[i]);
      }
    }
    return params;
  }

  /** Routes have one or two parameters: an immutable map each time is cheaper than a HashMap. */
  private static Map<String, String> with(Map<String, String> params, String key, String value) {
    Map<String, String> more = new HashMap<>(params);
    more.put(key, value);
    return Map.copyOf(more);
  }

  /** A 405, which must say in an Allow header what is allowed (RFC 9110). */
  static final class MethodNotAllowed extends RuntimeException {
    final Problem problem;
    final String allowed;

    MethodNotAllowed(String method, List<String> allowed) {
      super(null, null, false, false);
      this.problem =
          new Problem(
              405,
              Problem.BASE + "method-not-allowed",
              "Method not allowed",
              method + " is not allowed here; use " + String.join(" or ", allowed),
              null,
              null);
      this.allowed = String.join(", ", allowed);
    }
  }
}
