package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stoker.core.Task;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.TaskStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A claim on a node of an AP cluster (docs/backends/cluster.md, "Forwarding"): when this node has
 * nothing it may hand out, the claim goes on to the peer that may hand out the most ready tasks of
 * the queue, once, and that peer's tasks are the answer. A claim that waits looks again every
 * {@link #RECHECK_MS}, here and at the peers, so it does not sleep through tasks that become ready
 * at another home.
 *
 * <p>One hop: the forwarded request carries {@link ClusterEndpoint#FORWARDED_HEADER}, and a node
 * never forwards such a claim again, so the peer decides by its own rights alone and a healthy
 * cluster hands no task out twice.
 */
final class ClusterClaims {
  /**
   * How often a waiting claim looks again at the peers. Replicated events arrive in bursts many
   * times a second; a quarter second keeps a waiting worker's delay small against the lease times
   * tasks run for, and the look (a capped scan of the replica's ready index, whose counts the
   * cluster side keeps a while) cheap.
   */
  static final long RECHECK_MS = 250;

  /**
   * What a claim got: tasks of this node, or the JSON array of tasks a peer handed out (its tokens
   * signed with the cluster's key), with the peer and each task's id and token.
   */
  record Claimed(List<Task> local, String forwardedTasks, int peer, List<Granted> forwarded) {
    static Claimed here(List<Task> tasks) {
      return new Claimed(tasks, null, -1, List.of());
    }

    boolean isEmpty() {
      return local.isEmpty() && forwarded.isEmpty();
    }
  }

  /** A task a peer handed out for a forwarded claim: its id and the lease token it gave. */
  record Granted(String id, String token) {}

  private final TaskStore store;
  private final ClusterEndpoint node;
  private final JsonFactory json;

  ClusterClaims(TaskStore store, ClusterEndpoint node, JsonFactory json) {
    this.store = store;
    this.node = node;
    this.json = json;
  }

  /**
   * Claims here, else at the peer with most ready tasks; while {@code params} may wait, waits here
   * in slices of {@link #RECHECK_MS} and looks at the peers again after each. Stops waiting when
   * the client hangs up (and then forwards nothing: a peer's tasks would go to nobody) or the
   * server drains. A peer's answer that came after the forwarding timeout, with tasks nobody gets,
   * goes to {@code tooLate}, on another thread, to be given back.
   */
  Claimed claim(
      ClaimParams params,
      String authorization,
      ClientConnection client,
      Draining draining,
      Consumer<Claimed> tooLate) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(params.waitMs());
    byte[] forward = forwardBody(params);
    long slice = 0;
    while (true) {
      List<Task> here = store.taskClaimMany(withWait(params, slice));
      if (!here.isEmpty()) {
        return Claimed.here(here);
      }
      if (slice > 0 && client.closed()) {
        return Claimed.here(List.of());
      }
      Claimed there =
          forwarded(
              node.forwardClaim(
                  params.queue(),
                  forward,
                  authorization,
                  late -> {
                    Claimed granted = forwarded(late);
                    if (granted != null) {
                      tooLate.accept(granted);
                    }
                  }));
      if (there != null) {
        return there;
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0 || draining.now()) {
        return Claimed.here(List.of());
      }
      slice = Math.min(left, RECHECK_MS);
    }
  }

  /** Whether the server drains for shutdown (claims then return without waiting). */
  @FunctionalInterface
  interface Draining {
    boolean now();
  }

  private static ClaimParams withWait(ClaimParams p, long waitMs) {
    return new ClaimParams(p.queue(), p.worker(), p.max(), p.leaseMs(), waitMs);
  }

  /** The claim as the peer gets it: the same worker, max and lease, and no waiting there. */
  private byte[] forwardBody(ClaimParams p) {
    return Json.write(
        json,
        g -> {
          g.writeStartObject();
          if (p.worker() != null) {
            g.writeStringField("worker", p.worker());
          }
          g.writeNumberField("max", p.max());
          if (p.leaseMs() != null) {
            g.writeNumberField("lease_ms", p.leaseMs());
          }
          g.writeNumberField("wait_ms", 0);
          g.writeEndObject();
        });
  }

  /** The tasks in a peer's claim reply, or null when it holds none (or is not one). */
  private Claimed forwarded(ClusterEndpoint.ForwardedClaim answer) {
    if (answer == null) {
      return null;
    }
    byte[] reply = answer.reply();
    try (JsonParser p = json.createParser(reply)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if (!"tasks".equals(p.currentName())) {
          p.nextToken();
          p.skipChildren();
          continue;
        }
        if (p.nextToken() != JsonToken.START_ARRAY) {
          return null;
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        List<Granted> granted = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
          granted.add(granted(p));
        }
        int end = (int) p.currentTokenLocation().getByteOffset() + 1;
        return granted.isEmpty()
            ? null
            : new Claimed(
                List.of(),
                new String(reply, start, end - start, java.nio.charset.StandardCharsets.UTF_8),
                answer.peer(),
                List.copyOf(granted));
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The id and lease token of the task object the parser is at the start of; reads past it. */
  private static Granted granted(JsonParser p) throws IOException {
    String id = null;
    String token = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("id") && value == JsonToken.VALUE_STRING) {
        id = p.getText();
      } else if (field.equals("lease") && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String leaseField = p.currentName();
          if (p.nextToken() == JsonToken.VALUE_STRING && leaseField.equals("token")) {
            token = p.getText();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return new Granted(id, token);
  }
}
