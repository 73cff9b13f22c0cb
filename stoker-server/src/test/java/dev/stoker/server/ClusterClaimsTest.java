package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stoker.core.Limits;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The claim route on a node of a cluster: a claim that finds nothing here is forwarded (once, not
 * waiting) and answers the peer's tasks; a forwarded claim is never forwarded again; tasks here go
 * first; a peer's tasks the worker never got are released on that peer (or here, when it cannot be
 * reached).
 */
class ClusterClaimsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PEER_TASK =
      "{\"id\":\"from-the-peer\",\"state\":\"working\",\"lease\":{\"token\":\"t1.x\"}}";

  /**
   * A cluster side whose peer, node 2, answers {@code replies} in turn (the last one from then on),
   * recording what it was asked; it releases tasks when {@link #releases} says so.
   */
  private static final class Peer implements ClusterEndpoint {
    final List<String> forwarded = new CopyOnWriteArrayList<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    final List<String> replies;
    volatile boolean releases = true;

    /** Run at every forwarded claim, before it is answered. */
    volatile Runnable onForward = () -> {};

    Peer(String... replies) {
      this.replies = List.of(replies);
    }

    @Override
    public byte[] exchange(byte[] message) {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] status() {
      return "{}".getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether the peer answers after the forwarding timeout: the claim gets nothing, and the answer
     * goes to the late handler (from another thread, once the claim has returned).
     */
    volatile boolean late;

    final List<Thread> lateAnswers = new CopyOnWriteArrayList<>();

    @Override
    public ForwardedClaim forwardClaim(
        String queue,
        byte[] claimBody,
        String authorization,
        java.util.function.Consumer<ForwardedClaim> tooLate) {
      forwarded.add(
          queue + " " + new String(claimBody, StandardCharsets.UTF_8) + " " + authorization);
      onForward.run();
      String reply = replies.get(Math.min(forwarded.size(), replies.size()) - 1);
      ForwardedClaim answer = new ForwardedClaim(2, reply.getBytes(StandardCharsets.UTF_8));
      if (late) {
        lateAnswers.add(Thread.ofPlatform().start(() -> tooLate.accept(answer)));
        return null;
      }
      return answer;
    }

    @Override
    public boolean releaseAt(int peer, String taskId, String token, String authorization) {
      released.add(peer + " " + taskId + " " + token + " " + authorization);
      return releases;
    }
  }

  private static final byte[] TOKEN_KEY = new byte[32];

  private final ModelStore store =
      new ModelStore(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 1);
  private final Api api = new Api(store, TOKEN_KEY, Limits.DEFAULT, 1 << 20);

  private static final RequestHeaders WORKER =
      name -> name.equals("Authorization") ? "Bearer abc" : null;

  private JsonNode post(String path, String body, RequestHeaders headers) throws Exception {
    Response r = send(path, body, ClientConnection.UNKNOWN, headers);
    return JSON.readTree(r.body());
  }

  private Response send(String path, String body, ClientConnection client, RequestHeaders headers)
      throws Exception {
    Response r =
        api.handle(
            "POST",
            path,
            null,
            "application/json",
            body.getBytes(StandardCharsets.UTF_8),
            Visibility.ALL,
            client,
            headers);
    assertThat(r.status()).isIn(200, 201);
    return r;
  }

  @Test
  void a_claim_that_finds_nothing_here_answers_the_peers_tasks() throws Exception {
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    JsonNode r =
        post(
            "/v1/queues/q/claim",
            "{\"worker\":\"w\",\"max\":3,\"lease_ms\":5000,\"wait_ms\":1000}",
            name -> name.equals("Authorization") ? "Bearer abc" : null);
    assertThat(r.get("tasks")).hasSize(1);
    assertThat(r.at("/tasks/0/id").asText()).isEqualTo("from-the-peer");
    assertThat(peer.forwarded)
        .containsExactly(
            "q {\"worker\":\"w\",\"max\":3,\"lease_ms\":5000,\"wait_ms\":0} Bearer abc");
  }

  @Test
  void a_finish_with_a_claim_part_answers_the_peers_tasks_as_next() throws Exception {
    String id =
        post("/v1/queues/q/tasks", "{\"name\":\"n\"}", RequestHeaders.NONE).at("/id").asText();
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    String token =
        post("/v1/queues/q/claim", "{\"worker\":\"w\"}", RequestHeaders.NONE)
            .at("/tasks/0/lease/token")
            .asText();
    assertThat(peer.forwarded).as("a task here: nothing forwarded").isEmpty();
    JsonNode r =
        post(
            "/v1/tasks/" + id + "/complete",
            "{\"token\":\"" + token + "\",\"claim\":{\"worker\":\"w\"}}",
            RequestHeaders.NONE);
    assertThat(r.get("state").asText()).isEqualTo("done");
    assertThat(r.at("/next/tasks/0/id").asText()).isEqualTo("from-the-peer");
  }

  @Test
  void a_forwarded_claim_is_not_forwarded_again_and_an_empty_peer_leaves_the_claim_empty()
      throws Exception {
    Peer peer = new Peer("{\"tasks\":[]}");
    api.cluster(peer);
    JsonNode forwarded =
        post(
            "/v1/queues/q/claim",
            "{\"worker\":\"w\"}",
            name -> name.equals(ClusterEndpoint.FORWARDED_HEADER) ? "1" : null);
    assertThat(forwarded.get("tasks")).isEmpty();
    assertThat(peer.forwarded).isEmpty();
    JsonNode empty = post("/v1/queues/q/claim", "{\"worker\":\"w\"}", RequestHeaders.NONE);
    assertThat(empty.get("tasks")).isEmpty();
    assertThat(peer.forwarded).hasSize(1);
  }

  @Test
  void a_peers_tasks_whose_reply_could_not_be_written_are_released_on_that_peer() throws Exception {
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    Response r = send("/v1/queues/q/claim", "{\"worker\":\"w\"}", ClientConnection.UNKNOWN, WORKER);
    assertThat(JSON.readTree(r.body()).get("tasks")).hasSize(1);
    assertThat(peer.released).isEmpty();
    r.undelivered().run(); // what the server does when the reply cannot be written
    assertThat(peer.released).containsExactly("2 from-the-peer t1.x Bearer abc");
  }

  @Test
  void
      a_worker_that_hangs_up_while_a_peer_answers_its_waiting_claim_gets_nothing_and_the_peer_releases()
          throws Exception {
    Peer peer = new Peer("{\"tasks\":[]}", "{\"tasks\":[" + PEER_TASK + "]}");
    AtomicBoolean gone = new AtomicBoolean();
    peer.onForward = () -> gone.set(peer.forwarded.size() == 2); // hangs up during the second
    api.cluster(peer);
    Response r =
        send("/v1/queues/q/claim", "{\"worker\":\"w\",\"wait_ms\":5000}", gone::get, WORKER);
    assertThat(peer.forwarded).as("forwarded, waited a slice, forwarded again").hasSize(2);
    assertThat(JSON.readTree(r.body()).get("tasks")).isEmpty();
    assertThat(peer.released).containsExactly("2 from-the-peer t1.x Bearer abc");
  }

  @Test
  void a_claim_whose_worker_hung_up_while_it_waited_is_not_forwarded_again() throws Exception {
    Peer peer = new Peer("{\"tasks\":[]}", "{\"tasks\":[" + PEER_TASK + "]}");
    api.cluster(peer);
    Response r =
        send("/v1/queues/q/claim", "{\"worker\":\"w\",\"wait_ms\":5000}", () -> true, WORKER);
    assertThat(JSON.readTree(r.body()).get("tasks")).isEmpty();
    assertThat(peer.forwarded).as("only the first look, before the claim waited").hasSize(1);
    assertThat(peer.released).isEmpty();
  }

  /**
   * The peer handed tasks out for the forwarded claim, but its answer came after the forwarding
   * timeout: the worker got nothing, and the tasks are released on that peer with their tokens and
   * the worker's Authorization, as for a worker that hung up.
   */
  @Test
  void a_peers_tasks_whose_answer_came_too_late_are_released_on_that_peer() throws Exception {
    Peer peer = new Peer("{\"tasks\":[" + PEER_TASK + "]}");
    peer.late = true;
    api.cluster(peer);
    Response r = send("/v1/queues/q/claim", "{\"worker\":\"w\"}", ClientConnection.UNKNOWN, WORKER);
    assertThat(JSON.readTree(r.body()).get("tasks")).as("too late for this claim").isEmpty();
    for (Thread t : peer.lateAnswers) {
      t.join(10_000);
    }
    assertThat(peer.lateAnswers).hasSize(1);
    assertThat(peer.released).containsExactly("2 from-the-peer t1.x Bearer abc");
  }

  @Test
  void a_task_its_peer_cannot_release_is_released_here_and_its_event_carries_it_there()
      throws Exception {
    Task t = store.taskEnqueueMany("q", List.of(TaskSpec.of("t", "null"))).get(0).task();
    Task claimed = store.taskClaimMany(new ClaimParams("q", "w", 1, 60_000L, 0)).get(0);
    String signed = new TokenSigner(TOKEN_KEY).sign(claimed.lease().token());
    Peer peer =
        new Peer(
            "{\"tasks\":[{\"id\":\""
                + t.id()
                + "\",\"state\":\"working\",\"lease\":{\"owner\":\"w\",\"token\":\""
                + signed
                + "\"}}]}");
    peer.releases = false; // unreachable
    api.cluster(peer);
    Response r = send("/v1/queues/q/claim", "{\"worker\":\"w\"}", ClientConnection.UNKNOWN, WORKER);
    r.undelivered().run();
    assertThat(peer.released).containsExactly("2 " + t.id() + " " + signed + " Bearer abc");
    assertThat(store.taskGet(t.id()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
  }
}
