package dev.stoker.cli;

import dev.stoker.server.ClusterEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a claim on to a peer over its API (docs/backends/cluster.md, "Forwarding"), as the worker
 * would: the same body (not waiting), the worker's own {@code Authorization} — every node reads the
 * same token file — and the {@code Stoker-Forwarded} mark, so the peer never forwards it again.
 * Counts what came of it.
 */
final class ClaimForwarder {
  private static final Logger log = LoggerFactory.getLogger(ClaimForwarder.class);

  /**
   * How long a claim waits for a forwarded claim's answer: the peer claims without waiting, so this
   * only bounds a peer that hangs.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  /**
   * How long an answer is still taken after {@link #TIMEOUT}, to give back what the peer handed out
   * for it: longer than a starved peer takes to answer, shorter than a lease is worth waiting.
   */
  private static final Duration LATE = Duration.ofSeconds(30);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .build();

  private final AtomicLong withTasks = new AtomicLong();
  private final AtomicLong empty = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /**
   * Posts the claim to {@code peer}'s claim endpoint of {@code queue}: its reply body on a 200
   * within {@link #TIMEOUT}, else (or when it cannot be reached) null. A 200 that comes later, with
   * tasks the peer handed out for nobody, goes to {@code tooLate} (on another thread), which gives
   * them back.
   */
  ClusterEndpoint.ForwardedClaim forward(
      int peerId,
      URI peer,
      String queue,
      byte[] claimBody,
      String authorization,
      Consumer<ClusterEndpoint.ForwardedClaim> tooLate) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(peer.resolve("/v1/queues/" + queue + "/claim"))
            .timeout(TIMEOUT.plus(LATE))
            .header("Content-Type", "application/json")
            .header(ClusterEndpoint.FORWARDED_HEADER, "1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(claimBody));
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    CompletableFuture<HttpResponse<byte[]>> answer =
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> r;
    try {
      r = answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failed.incrementAndGet();
      log.debug("a claim of queue {} forwarded to node {} got no answer in time", queue, peerId);
      answer.thenAccept(
          after -> {
            if (after.statusCode() == 200 && holdsTasks(after.body())) {
              tooLate.accept(new ClusterEndpoint.ForwardedClaim(peerId, after.body()));
            }
          });
      return null;
    } catch (ExecutionException e) {
      failed.incrementAndGet();
      log.debug("a claim of queue {} forwarded to node {} failed: {}", queue, peerId, e.getCause());
      return null;
    }
    if (r.statusCode() != 200) {
      failed.incrementAndGet();
      log.debug(
          "node {} answered a forwarded claim of queue {} with {}: {}",
          peerId,
          queue,
          r.statusCode(),
          new String(r.body(), StandardCharsets.UTF_8));
      return null;
    }
    (holdsTasks(r.body()) ? withTasks : empty).incrementAndGet();
    return new ClusterEndpoint.ForwardedClaim(peerId, r.body());
  }

  /**
   * Releases, on {@code peer}, a task it handed out for a forwarded claim whose worker never got
   * it: the worker's own release, with its token and {@code Authorization}. Returns whether the
   * peer answered 200.
   */
  boolean release(int peerId, URI peer, String taskId, String token, String authorization) {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(peer.resolve("/v1/tasks/" + taskId + "/release"))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"token\":\"" + token + "\"}", StandardCharsets.UTF_8));
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    try {
      HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        log.debug(
            "node {} answered the release of task {} with {}: {}",
            peerId,
            taskId,
            r.statusCode(),
            new String(r.body(), StandardCharsets.UTF_8));
      }
      return r.statusCode() == 200;
    } catch (java.io.IOException e) {
      log.debug("the release of task {} on node {} failed: {}", taskId, peerId, e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether a claim reply names a task: an empty one is exactly {@code {"tasks":[]}}. */
  static boolean holdsTasks(byte[] reply) {
    return reply.length > "{\"tasks\":[]}".length();
  }

  /**
   * The forwarded claims by result: tasks, empty, failed (a late answer's claim is among the
   * failed: its worker did not get the tasks).
   */
  Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    out.put("tasks", withTasks.get());
    out.put("empty", empty.get());
    out.put("failed", failed.get());
    return out;
  }
}
