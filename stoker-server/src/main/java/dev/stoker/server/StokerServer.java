package dev.stoker.server;

import dev.stoker.core.Limits;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.TaskStore;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The Stoker HTTP server: the API v1 over a {@link TaskStore}, on Helidon SE's web server with a
 * virtual thread per request (docs/adr/0002).
 *
 * <pre>{@code
 * try (TaskStore store = EmbeddedStore.open(dir);
 *      StokerServer server = StokerServer.start(store, StokerServer.Config.defaults())) {
 *   server.awaitShutdown();
 * }
 * }</pre>
 */
public final class StokerServer implements AutoCloseable {
  private static final byte[] EMPTY = new byte[0];

  /**
   * How the server listens and what it accepts.
   *
   * @param host the address to bind (loopback by default: expose it on purpose)
   * @param port the port; 0 picks a free one
   * @param maxBodyBytes the largest request body (413 above)
   * @param maxHeaderBytes the largest request head (a 400 above)
   * @param limits the limits on task fields
   * @param readTimeout how long a connection may stay silent between requests, and how long a
   *     client may take to send a request's headers, or its body, once the request line is in
   * @param shutdownGrace how long in-flight requests may take to finish on shutdown
   * @param security tokens, TLS and connection limits (docs/security.md)
   */
  public record Config(
      String host,
      int port,
      int maxBodyBytes,
      int maxHeaderBytes,
      Limits limits,
      Duration readTimeout,
      Duration shutdownGrace,
      Security security) {
    public static final int DEFAULT_PORT = 7654;

    /** A configuration with {@link Security#defaults()}: open, plain HTTP. */
    public Config(
        String host,
        int port,
        int maxBodyBytes,
        int maxHeaderBytes,
        Limits limits,
        Duration readTimeout,
        Duration shutdownGrace) {
      this(
          host,
          port,
          maxBodyBytes,
          maxHeaderBytes,
          limits,
          readTimeout,
          shutdownGrace,
          Security.defaults());
    }

    public static Config defaults() {
      return new Config(
          "127.0.0.1",
          DEFAULT_PORT,
          8 << 20,
          16 << 10,
          Limits.DEFAULT,
          Duration.ofSeconds(75),
          Duration.ofSeconds(10));
    }
  }

  /**
   * Who may connect and what they may do (docs/security.md).
   *
   * @param tokensFile the token file; null serves everyone without a token (bind to loopback then)
   * @param tlsCert a PEM file with the server's certificate chain; null serves plain HTTP
   * @param tlsKey a PEM file with the certificate's private key (PKCS#8, unencrypted)
   * @param maxConnections the most TCP connections open at once; more wait to be accepted
   * @param maxConcurrentRequests the most requests handled at once, long polls included; more get
   *     503
   * @param maxClaimsPerToken the most claims (long polls) one token may have in flight; more get
   *     429
   */
  public record Security(
      Path tokensFile,
      Path tlsCert,
      Path tlsKey,
      int maxConnections,
      int maxConcurrentRequests,
      int maxClaimsPerToken) {
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 10_000;
    public static final int DEFAULT_MAX_CLAIMS_PER_TOKEN = 1_000;

    public Security {
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new IllegalArgumentException("TLS needs both a certificate and a key");
      }
      if (maxConnections < 1 || maxConcurrentRequests < 1 || maxClaimsPerToken < 1) {
        throw new IllegalArgumentException(
            "connection, request and claim limits must be at least 1");
      }
    }

    /** Open, plain HTTP, with the default limits. */
    public static Security defaults() {
      return new Security(
          null,
          null,
          null,
          DEFAULT_MAX_CONNECTIONS,
          DEFAULT_MAX_CONCURRENT_REQUESTS,
          DEFAULT_MAX_CLAIMS_PER_TOKEN);
    }
  }

  private final WebServer web;
  private final Api api;
  private final TaskStore store;

  private final ReadDeadlines deadlines;
  private final ClientConnections connections;
  private final AccessControl access;

  private StokerServer(
      WebServer web,
      Api api,
      TaskStore store,
      ReadDeadlines deadlines,
      ClientConnections connections,
      AccessControl access) {
    this.web = web;
    this.api = api;
    this.store = store;
    this.deadlines = deadlines;
    this.connections = connections;
    this.access = access;
  }

  /**
   * Starts serving {@code store}, signing lease tokens with the key the store keeps; returns once
   * the port is bound.
   *
   * @throws IllegalArgumentException when the store keeps no lease-token key (use the other {@code
   *     start}), or the token file or TLS key material cannot be read
   */
  public static StokerServer start(TaskStore store, Config config) {
    if (!(store instanceof LeaseTokenKeySource keys)) {
      throw new IllegalArgumentException(
          "the store keeps no lease-token key: hand one to start(store, key, config)");
    }
    return start(store, keys.leaseTokenKey(), config);
  }

  /**
   * Starts serving {@code store}, signing lease tokens with {@code leaseTokenKey} (at least 32
   * bytes, the same for every server over the store); returns once the port is bound.
   *
   * @throws IllegalArgumentException when the token file or TLS key material cannot be read
   */
  public static StokerServer start(TaskStore store, byte[] leaseTokenKey, Config config) {
    Api api = new Api(store, leaseTokenKey, config.limits(), config.maxBodyBytes());
    Security sec = config.security();
    WebServerConfig.Builder builder = WebServer.builder();
    if (sec.tlsCert() != null) {
      builder.tls(Pem.tls(sec.tlsCert(), sec.tlsKey()));
    }
    AccessControl access =
        sec.tokensFile() == null
            ? null
            : new AccessControl(sec.tokensFile(), sec.maxClaimsPerToken(), Duration.ofSeconds(1));
    ReadDeadlines deadlines = new ReadDeadlines(config.readTimeout());
    ClientConnections connections = new ClientConnections();
    WebServer web =
        builder
            .host(config.host())
            .port(config.port())
            .maxTcpConnections(sec.maxConnections())
            // socket channels (Helidon's default), which ClientConnections asks whether a client
            // hung up
            .useNio(true)
            .maxConcurrentRequests(sec.maxConcurrentRequests())
            .shutdownHook(false)
            .maxPayloadSize(config.maxBodyBytes())
            .shutdownGracePeriod(config.shutdownGrace())
            .idleConnectionTimeout(config.readTimeout())
            // Helidon looks for idle connections every 2 minutes by default, far less often than
            // our timeout
            .idleConnectionPeriod(idleCheckPeriod(config.readTimeout()))
            .connectionOptions(o -> o.readTimeout(config.readTimeout()).tcpNoDelay(true))
            .addProtocol(
                Http1Config.builder()
                    .maxHeadersSize(config.maxHeaderBytes())
                    .maxPrologueLength(8192)
                    .addReceiveListener(new ReceiveListeners(deadlines, connections))
                    .build())
            .directHandlers(
                DirectHandlers.builder()
                    .addHandler(DirectHandler.EventType.BAD_REQUEST, transportProblem(api, config))
                    .addHandler(
                        DirectHandler.EventType.PAYLOAD_TOO_LARGE, transportProblem(api, config))
                    .addHandler(DirectHandler.EventType.OTHER, transportProblem(api, config))
                    .build())
            .routing(
                r ->
                    r.any(
                        (req, res) ->
                            serve(api, access, deadlines, connections.current(), req, res)))
            .build()
            .start();
    if (!web.isRunning() || web.port() < 0) {
      web.stop();
      deadlines.close();
      connections.close();
      if (access != null) {
        access.close();
      }
      throw new IllegalStateException(
          "cannot listen on " + config.host() + ":" + config.port() + " (is the address in use?)");
    }
    return new StokerServer(web, api, store, deadlines, connections, access);
  }

  /** Serves the routes of a node of an AP cluster (docs/backends/cluster.md) from now on. */
  public void cluster(ClusterEndpoint endpoint) {
    api.cluster(endpoint);
  }

  private static Duration idleCheckPeriod(Duration readTimeout) {
    long ms = Math.clamp(readTimeout.toMillis() / 4, 100, 15_000);
    return Duration.ofMillis(ms);
  }

  private static void serve(
      Api api,
      AccessControl access,
      ReadDeadlines deadlines,
      ClientConnection client,
      ServerRequest req,
      ServerResponse res) {
    String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
    byte[] body = EMPTY;
    if (req.content().hasEntity()) {
      deadlines.start();
      try {
        body = req.content().as(byte[].class);
      } finally {
        deadlines.end();
      }
    }
    String method = req.prologue().method().text();
    String path = req.path().rawPath();
    long start = System.nanoTime();
    RequestHeaders headers = name -> req.headers().first(HeaderNames.create(name)).orElse(null);
    Response r =
        access == null
            ? api.handle(
                method,
                path,
                req.query().rawValue(),
                contentType,
                body,
                Visibility.ALL,
                client,
                headers)
            : access.handle(
                api,
                method,
                path,
                req.query().rawValue(),
                contentType,
                req.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                body,
                client,
                headers);
    res.status(Status.create(r.status()));
    if (r.contentType() != null) {
      res.header(HeaderNames.CONTENT_TYPE, r.contentType());
    }
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      res.header(HeaderNames.create(h.getKey()), h.getValue());
    }
    try {
      if (r.stream() != null) {
        stream(r.stream(), res);
      } else {
        res.send(r.body());
      }
    } catch (RuntimeException e) {
      r.undelivered().run();
      throw e;
    } finally {
      api.metrics()
          .http()
          .record(Api.ROUTES.route(method, path), r.status(), System.nanoTime() - start);
    }
  }

  /** Writes a streamed reply until it ends; a client that went away ends it too. */
  private static void stream(Response.Stream stream, ServerResponse res) {
    try (OutputStream out = res.outputStream()) {
      stream.writeTo(out);
    } catch (IOException | UncheckedIOException e) {
      // the client went away: the stream is over
    }
  }

  /**
   * Answers errors found before a request reaches the API (bad framing, too large) as problem+json.
   */
  private static DirectHandler transportProblem(Api api, Config config) {
    return new DirectHandler() {
      @Override
      public TransportResponse handle(
          TransportRequest request,
          EventType type,
          Status status,
          ServerResponseHeaders headers,
          String message) {
        int code = status.code();
        String kind =
            switch (code) {
              case 413 -> "too-large";
              case 431 -> "headers-too-large";
              case 503 -> "overloaded";
              default -> "bad-request";
            };
        String detail =
            switch (code) {
              case 413 ->
                  "the request body is larger than the limit of "
                      + config.maxBodyBytes()
                      + " bytes";
              case 503 ->
                  "the server is already handling its limit of "
                      + config.security().maxConcurrentRequests()
                      + " requests at once (--max-concurrent-requests); retry later";
              // Helidon says no more than "Bad Request" when the head is too large or cannot be
              // parsed
              case 400 ->
                  message == null || message.isBlank() || message.equals(status.reasonPhrase())
                      ? "the request is not valid HTTP/1.1, or its request line and headers are larger than the limit of "
                          + config.maxHeaderBytes()
                          + " bytes"
                      : message;
              default -> message == null || message.isBlank() ? status.reasonPhrase() : message;
            };
        Response r = api.problem(Problem.of(code, kind, status.reasonPhrase(), detail));
        return TransportResponse.builder()
            .status(status)
            .headers(headers)
            .header(HeaderNames.CONTENT_TYPE, Response.PROBLEM)
            .entity(r.body())
            .keepAlive(false)
            .build();
      }
    };
  }

  /** The API this server serves (tests tune it). */
  Api api() {
    return api;
  }

  /** Whether the server speaks HTTPS. */
  public boolean tls() {
    return web.hasTls();
  }

  /** The port the server listens on. */
  public int port() {
    return web.port();
  }

  /**
   * Stops gracefully: {@code /readyz} turns 503, waiting claims return at once, in-flight requests
   * finish (within the grace period), and the listener closes. The store is the caller's to close.
   */
  @Override
  public void close() {
    api.draining();
    store.drain();
    web.stop();
    api.metrics().close();
    deadlines.close();
    connections.close();
    if (access != null) {
      access.close();
    }
  }
}
