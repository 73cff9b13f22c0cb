package dev.stoker.server;

import dev.stoker.core.Limits;
import dev.stoker.server.auth.Role;
import dev.stoker.server.auth.Role.Action;
import dev.stoker.server.auth.TokenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token access control in front of the {@link Api} (docs/security.md): authenticates the
 * request (401), checks the token's role against what the request does and its queue patterns
 * against the queue in the path (403), and hands the {@link Api} the token's grant: its {@link
 * Visibility}, so tasks of other queues read as missing (404), and its limit on claims in flight,
 * which the Api counts each claim against (429), a finish's claim part too.
 *
 * <p>The checks depend only on the token, the method and the path, never on what the store holds,
 * so a refusal tells nothing about which queues or tasks exist. The token file is re-read when it
 * changes.
 */
final class AccessControl implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessControl.class);
  private static final String BEARER = "Bearer ";

  private final Path file;
  private final int maxClaimsPerToken;
  private final Thread watcher;
  private volatile Tokens tokens;
  private Object fileStamp;

  /**
   * Reads {@code file} and watches it for changes every {@code poll}.
   *
   * @throws IllegalArgumentException when the file cannot be read or has a bad line
   */
  AccessControl(Path file, int maxClaimsPerToken, Duration poll) {
    this.file = file;
    this.maxClaimsPerToken = maxClaimsPerToken;
    try {
      this.fileStamp = stamp(file);
      this.tokens = new Tokens(TokenFile.read(file), null, maxClaimsPerToken);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the token file " + file + ": " + e.getMessage(), e);
    }
    if (tokens.size() == 0) {
      log.warn(
          "the token file {} has no tokens: every request but /healthz, /readyz and /openapi.json gets 401",
          file);
    }
    this.watcher = Thread.ofPlatform().daemon().name("stoker-token-file").start(() -> watch(poll));
  }

  int tokenCount() {
    return tokens.size();
  }

  private void watch(Duration poll) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(poll);
      } catch (InterruptedException e) {
        return;
      }
      reloadIfChanged();
    }
  }

  /**
   * Re-reads the file when its size, time or inode changed; a bad file keeps the tokens as they
   * were.
   */
  void reloadIfChanged() {
    Object now;
    try {
      now = stamp(file);
    } catch (IOException e) {
      now = null;
    }
    if (Objects.equals(now, fileStamp)) {
      return;
    }
    fileStamp = now;
    try {
      Tokens next = new Tokens(TokenFile.read(file), tokens, maxClaimsPerToken);
      tokens = next;
      log.info("token file {} re-read: {} tokens", file, next.size());
    } catch (IOException | IllegalArgumentException e) {
      log.error(
          "token file {} not re-read, the previous tokens stay in force: {}", file, e.getMessage());
    }
  }

  private static Object stamp(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
  }

  @Override
  public void close() {
    watcher.interrupt();
  }

  Response handle(
      Api api,
      String method,
      String path,
      String query,
      String contentType,
      String authorization,
      byte[] body,
      ClientConnection client) {
    return handle(
        api, method, path, query, contentType, authorization, body, client, RequestHeaders.NONE);
  }

  /** Answers a request, or refuses it. */
  Response handle(
      Api api,
      String method,
      String path,
      String query,
      String contentType,
      String authorization,
      byte[] body,
      ClientConnection client,
      RequestHeaders headers) {
    String[] s = Api.segments(path);
    if (Api.ROUTES.isOpen(s)) {
      return api.handle(method, path, query, contentType, body, Visibility.ALL, client, headers);
    }
    Tokens.Grant grant = authenticate(authorization);
    if (grant == null) {
      boolean presented = authorization != null && !authorization.isBlank();
      Problem p =
          Problem.of(
              401,
              "unauthorized",
              "Unauthorized",
              presented
                  ? "the bearer token is not valid (malformed, unknown or revoked)"
                  : "this server requires a bearer token: send Authorization: Bearer TOKEN (see docs/security.md)");
      return api.problem(p)
          .withHeader(
              "WWW-Authenticate",
              presented
                  ? "Bearer realm=\"stoker\", error=\"invalid_token\""
                  : "Bearer realm=\"stoker\"");
    }
    RouteTable.Match route = Api.ROUTES.find(method, s);
    if (route != null) {
      Action action = route.route().action();
      Role role = grant.entry.role();
      if (!role.permits(action)) {
        return forbidden(
            api,
            "the token '"
                + grant.entry.name()
                + "' has the role "
                + role.wireName()
                + ", which may not "
                + describe(action));
      }
      String queue = route.params().get("{queue}");
      // an invalid name is the Api's to refuse (400), as it would be for any token
      if (queue != null && Limits.isQueueName(queue) && !grant.sees(queue)) {
        return forbidden(
            api, "the token '" + grant.entry.name() + "' may not use the queue " + queue);
      }
      if (route.route() == Api.METRICS && !grant.all()) {
        return forbidden(
            api,
            "the token '"
                + grant.entry.name()
                + "' may not read the metrics, which show every "
                + "queue: only a token whose patterns include * may");
      }
    }
    return api.handle(method, path, query, contentType, body, grant, client, headers);
  }

  private Tokens.Grant authenticate(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = authorization.substring(BEARER.length()).strip();
    return token.isEmpty() ? null : tokens.find(token);
  }

  private static Response forbidden(Api api, String detail) {
    return api.problem(Problem.of(403, "forbidden", "Forbidden", detail));
  }

  /**
   * What a request does, by method and path; null for what no endpoint answers (the Api's 404 or
   * 405, given to any authenticated token).
   */
  static Action action(String method, String[] s) {
    RouteTable.Match route = Api.ROUTES.find(method, s);
    return route == null ? null : route.route().action();
  }

  private static String describe(Action a) {
    return switch (a) {
      case READ -> "read";
      case ENQUEUE -> "enqueue tasks";
      case WORK -> "claim or settle tasks";
      case MANAGE -> "change settings, cancel, retry or redrive";
    };
  }
}
