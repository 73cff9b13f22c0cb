package dev.stoker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Home dispatch, the designated stealer, handback and the lease rule, on nodes 1, 2, 3. */
class DispatchTest {
  static final ClusterConfig CONFIG = new ClusterConfig(1_000, 2_000, 500);
  final Membership members = Membership.of(1, 2, 3);

  final class Node {
    final FailureDetector detector;
    final Dispatch dispatch;
    VersionVector vector = VersionVector.EMPTY;

    Node(int id) {
      this(id, 1);
    }

    Node(int id, long incarnation) {
      detector = new FailureDetector(id, members, CONFIG, 0);
      dispatch = new Dispatch(id, members, CONFIG, detector, incarnation, 0);
    }

    /** The frame this node sends to every peer at {@code now}, each send an exchange that ends. */
    Frame frame(long now) {
      for (int peer : members.nodes()) {
        detector.tried(peer, now);
      }
      dispatch.refresh(now);
      dispatch.stopped(now, vector);
      return dispatch.frame(now, vector);
    }
  }

  /** Every link up: this node's last exchange with each peer succeeded. */
  static final java.util.function.IntPredicate ALL_LINKED = peer -> true;

  final Node a = new Node(1);
  final Node b = new Node(2);
  final Node c = new Node(3);

  /** Every listed link carries a frame each way at {@code now}. */
  void exchange(long now, Node[]... links) {
    for (Node[] link : links) {
      link[1].dispatch.onFrame(link[0].frame(now), now);
      link[0].dispatch.onFrame(link[1].frame(now), now);
    }
  }

  @Test
  void while_healthy_only_the_home_dispatches() {
    for (long t = 0; t <= 10_000; t += 200) {
      exchange(t, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
      assertThat(a.dispatch.mayDispatch(1, t, a.vector)).isEqualTo(Dispatch.Right.HOME);
      assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isNull();
      assertThat(c.dispatch.mayDispatch(1, t, c.vector)).isNull();
    }
  }

  @Test
  void a_cut_link_with_a_third_node_in_touch_is_no_reason_to_steal() {
    for (long t = 0; t <= 10_000; t += 200) {
      exchange(t, new Node[] {a, c}, new Node[] {b, c});
      assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isNull();
      assertThat(a.dispatch.mayDispatch(2, t, a.vector)).isNull();
    }
  }

  @Test
  void after_steal_delay_the_next_node_steals_and_hands_back_before_the_home_resumes() {
    long t = 0;
    for (; t < 2_000; t += 200) {
      exchange(t, new Node[] {b, c});
      b.frame(t);
      assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isNull();
    }
    exchange(t, new Node[] {b, c});
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isEqualTo(Dispatch.Right.STEAL);
    assertThat(b.dispatch.judgesLeasesOf(1, t)).isTrue();
    assertThat(c.dispatch.mayDispatch(1, t, c.vector)).as("one stealer").isNull();
    assertThat(a.dispatch.mayDispatch(1, t, a.vector))
        .as("the cut-off home keeps going")
        .isEqualTo(Dispatch.Right.HOME);

    // Heal: B has made events A lacks; A hears B's frame first.
    b.vector = VersionVector.of(Map.of(2, 40L));
    t += 200;
    a.dispatch.onFrame(b.frame(t), t);
    assertThat(a.dispatch.mayDispatch(1, t, a.vector)).as("B still steals").isNull();
    b.dispatch.onFrame(a.frame(t), t);
    Frame handback = b.frame(t);
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).as("B stopped").isNull();
    assertThat(handback.handedBack()).containsEntry(1, b.vector);
    a.dispatch.onFrame(handback, t);
    assertThat(a.dispatch.mayDispatch(1, t, a.vector))
        .as("A has not applied B's claims yet")
        .isNull();
    a.vector = VersionVector.of(Map.of(2, 40L));
    c.dispatch.onFrame(a.frame(t), t);
    a.dispatch.onFrame(c.frame(t), t);
    assertThat(a.dispatch.mayDispatch(1, t, a.vector)).isEqualTo(Dispatch.Right.HOME);
  }

  /**
   * The stealer's store may still make a claim under the old rights after the steal ended: the
   * handback waits for the store to stop and carries the vector from then, so the home sees that
   * claim before it dispatches again.
   */
  @Test
  void a_steal_that_ends_is_handed_back_with_the_vector_from_after_the_store_stopped() {
    long t = 0;
    for (; t <= 2_000; t += 200) {
      exchange(t, new Node[] {b, c});
    }
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isEqualTo(Dispatch.Right.STEAL);
    t += 200;
    b.dispatch.onFrame(a.frame(t), t);
    b.dispatch.refresh(t);
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).as("B stopped stealing").isNull();
    Frame meanwhile = b.dispatch.frame(t, b.vector);
    assertThat(meanwhile.stealing()).as("until its store has stopped too").contains(1);
    assertThat(meanwhile.handedBack()).isEmpty();
    a.dispatch.onFrame(meanwhile, t);
    assertThat(a.dispatch.mayDispatch(1, t, a.vector)).isNull();

    VersionVector afterLastClaim = VersionVector.of(Map.of(2, 41L));
    b.dispatch.stopped(t, afterLastClaim);
    Frame handback = b.dispatch.frame(t, afterLastClaim);
    assertThat(handback.stealing()).isEmpty();
    assertThat(handback.handedBack()).containsEntry(1, afterLastClaim);
    a.dispatch.onFrame(handback, t);
    assertThat(a.dispatch.mayDispatch(1, t, VersionVector.of(Map.of(2, 40L))))
        .as("A lacks B's last claim")
        .isNull();
    assertThat(a.dispatch.mayDispatch(1, t, afterLastClaim)).isEqualTo(Dispatch.Right.HOME);
  }

  @Test
  void a_starting_node_hands_out_nothing_until_it_heard_every_peer_or_waited_a_steal_delay() {
    Node fresh = new Node(1);
    assertThat(fresh.dispatch.mayDispatch(1, 0, fresh.vector)).isNull();
    fresh.dispatch.onFrame(b.frame(100), 100);
    assertThat(fresh.dispatch.mayDispatch(1, 100, fresh.vector)).as("C not heard yet").isNull();
    fresh.dispatch.onFrame(c.frame(150), 150);
    assertThat(fresh.dispatch.mayDispatch(1, 150, fresh.vector)).isEqualTo(Dispatch.Right.HOME);

    Node alone = new Node(1);
    assertThat(alone.dispatch.mayDispatch(1, CONFIG.stealDelayMs() - 1, alone.vector)).isNull();
    assertThat(alone.dispatch.mayDispatch(1, CONFIG.stealDelayMs(), alone.vector))
        .isEqualTo(Dispatch.Right.HOME);
  }

  @Test
  void a_node_whose_first_exchanges_have_not_ended_steals_from_nobody_however_long_they_take() {
    Node slow = new Node(2, 2); // restarted; a starved machine, or a long first catch-up
    long t = 10 * CONFIG.stealDelayMs();
    slow.dispatch.refresh(t);
    assertThat(slow.dispatch.steals()).as("no evidence yet that anyone is gone").isEmpty();
    assertThat(slow.dispatch.mayDispatch(1, t, slow.vector)).isNull();

    slow.detector.tried(1, t); // the first exchanges end unanswered: silence counts from here
    slow.detector.tried(3, t);
    slow.dispatch.refresh(t + CONFIG.stealDelayMs() - 1);
    assertThat(slow.dispatch.steals()).isEmpty();
    slow.dispatch.refresh(t + CONFIG.stealDelayMs());
    assertThat(slow.dispatch.steals()).containsExactlyInAnyOrder(1, 3);
    assertThat(slow.dispatch.mayDispatch(1, t + CONFIG.stealDelayMs(), slow.vector))
        .isEqualTo(Dispatch.Right.STEAL);

    t += 2 * CONFIG.stealDelayMs();
    slow.dispatch.resumed(t); // stopped, and running again: the same holds
    slow.dispatch.refresh(t + 5 * CONFIG.stealDelayMs());
    assertThat(slow.dispatch.steals()).isEmpty();
  }

  @Test
  void a_stealer_that_falls_silent_does_not_stop_the_home_for_good() {
    long t = 0;
    exchange(t, new Node[] {a, b}, new Node[] {a, c});
    b.dispatch.onFrame(c.frame(t), t);
    for (t = 200; t <= 2_200; t += 200) {
      exchange(t, new Node[] {b, c});
      a.dispatch.onFrame(c.frame(t), t);
    }
    assertThat(b.dispatch.steals()).containsExactly(1);
    a.dispatch.onFrame(b.frame(t), t); // one frame gets through: B steals A's tasks
    assertThat(a.dispatch.mayDispatch(1, t, a.vector)).isNull();
    // B falls silent again (no frame from B, directly or relayed).
    for (long u = t + 200; u < t + CONFIG.stealDelayMs(); u += 200) {
      assertThat(a.dispatch.mayDispatch(1, u, a.vector)).isNull();
    }
    assertThat(a.dispatch.mayDispatch(1, t + CONFIG.stealDelayMs(), a.vector))
        .isEqualTo(Dispatch.Right.HOME);
  }

  /**
   * Node 3's frames reach node 1 on two connections: in node 3's answers to node 1's requests and
   * in node 3's own requests. A request built before an answer can arrive after it. It is not news
   * about steals, but it is news that node 3 is alive: node 1 must not find node 3 unreachable, and
   * so make itself the stealer of a paused node 2 beside node 3 (verify seed 20261211, 1,994 s).
   */
  @Test
  void a_frame_overtaken_by_a_later_one_still_shows_its_sender_alive() {
    long t = 0;
    for (; t <= 1_000; t += 200) {
      exchange(t, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    }
    // Node 2 is stopped from here on. Node 3 builds a request (older), then answers node 1
    // (newer); the answer arrives first, the request 700 ms later; then node 1 hears nothing more
    // from node 3 for a while (its requests are slow to come back).
    Frame older = c.frame(1_200);
    Frame newer = c.frame(1_210);
    assertThat(a.dispatch.onFrame(newer, 1_210)).isTrue();
    assertThat(a.dispatch.onFrame(older, 1_900)).as("overtaken: its steals are old news").isFalse();

    long later = 1_210 + CONFIG.stealDelayMs() + 100;
    a.frame(later);
    assertThat(a.detector.unreachable(3, later))
        .as("node 3 was heard %d ms ago", later - 1_900)
        .isFalse();
    assertThat(a.detector.unreachable(2, later)).isTrue();
    assertThat(a.dispatch.steals()).as("node 3 is node 2's stealer, not node 1").isEmpty();
    assertThat(a.dispatch.mayDispatch(2, later, a.vector)).isNull();
  }

  @Test
  void a_claim_without_local_work_goes_to_the_peer_that_may_hand_out_the_most() {
    exchange(0, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    assertThat(a.dispatch.forwardTarget(Map.of(1, 5L, 2, 3L, 3, 4L), ALL_LINKED, 0)).isEqualTo(3);
    assertThat(a.dispatch.forwardTarget(Map.of(2, 4L, 3, 4L), ALL_LINKED, 0))
        .as("a tie goes to the lower id")
        .isEqualTo(2);
    assertThat(a.dispatch.forwardTarget(Map.of(1, 5L), ALL_LINKED, 0))
        .as("only its own tasks")
        .isEqualTo(-1);
    assertThat(a.dispatch.forwardTarget(Map.of(), ALL_LINKED, 0)).isEqualTo(-1);
    // C is gone for a steal_delay: its tasks are B's to hand out now (B is C's stealer, seen from
    // A).
    long t = 0;
    for (t = 200; t <= 2_000; t += 200) {
      exchange(t, new Node[] {a, b});
    }
    assertThat(a.dispatch.forwardTarget(Map.of(2, 1L, 3, 4L), ALL_LINKED, t)).isEqualTo(2);
  }

  /**
   * A peer behind a cut link stays unsuspected while a third node relays news of it (C4), but a
   * claim forwarded to it over that link would fail: only peers this node's own link reaches are
   * chosen.
   */
  @Test
  void a_claim_is_forwarded_only_over_a_link_that_is_up() {
    exchange(0, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    java.util.function.IntPredicate cutToC = peer -> peer != 3;
    assertThat(a.dispatch.forwardTarget(Map.of(2, 3L, 3, 40L), cutToC, 0))
        .as("C has more, but A's link to C is down")
        .isEqualTo(2);
    assertThat(a.dispatch.forwardTarget(Map.of(3, 40L), cutToC, 0))
        .as("nobody else has any")
        .isEqualTo(-1);
  }

  @Test
  void a_restarted_node_is_heard_at_once_although_its_frame_numbers_start_again() {
    for (long t = 0; t <= 1_000; t += 200) {
      exchange(t, new Node[] {a, b});
    }
    Node restartedA = new Node(1, 2);
    for (long t = 1_200; t <= 4_000; t += 200) {
      b.dispatch.onFrame(restartedA.frame(t), t);
      assertThat(b.detector.unreachable(1, t)).as("at %d", t).isFalse();
    }
    assertThat(b.dispatch.onFrame(a.frame(4_000), 4_000))
        .as("a late frame of the old incarnation")
        .isFalse();
  }

  @Test
  void a_node_slower_than_steal_delay_to_apply_its_peers_events_does_not_steal_from_them() {
    long t = 0;
    for (; t <= 1_000; t += 200) {
      exchange(t, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    }
    // b, a's stealer, applies what a and c sent at 1,000 until 3,500: no frame can come meanwhile.
    t = 3_500;
    b.detector.applied(1, t);
    b.detector.applied(3, t);
    b.dispatch.refresh(t);
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isNull();
    assertThat(b.dispatch.steals()).as("its own slowness is no reason to steal").isEmpty();
    // Silence after that counts: a gone for steal_delay past the apply is stolen from.
    t += 2_200;
    b.detector.heard(3, t);
    b.dispatch.refresh(t);
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isEqualTo(Dispatch.Right.STEAL);
  }

  @Test
  void the_stealer_is_the_first_reachable_node_after_the_home() {
    assertThat(members.stealerOf(1, n -> false)).isEqualTo(2);
    assertThat(members.stealerOf(1, n -> n == 2)).isEqualTo(3);
    assertThat(members.stealerOf(3, n -> false)).isEqualTo(1);
    assertThat(Membership.of(1).stealerOf(1, n -> false)).isEqualTo(-1);
  }

  @Test
  void a_lease_expires_only_max_offset_after_expires_at_on_the_judges_clock() {
    assertThat(Dispatch.leaseExpired(10_000, 10_500, 500)).isFalse();
    assertThat(Dispatch.leaseExpired(10_000, 10_501, 500)).isTrue();
    // A judge whose clock runs 300 ms ahead of the granting node's does not end the lease early.
    long grantedExpiresAt = 10_000;
    long judgeClockWhenGrantersSaysExpiresAt = grantedExpiresAt + 300;
    assertThat(Dispatch.leaseExpired(grantedExpiresAt, judgeClockWhenGrantersSaysExpiresAt, 500))
        .isFalse();
  }

  @Test
  void a_home_stopped_past_steal_delay_hands_out_nothing_when_it_runs_again_until_the_handback() {
    long t = 0;
    for (; t <= 1_000; t += 200) {
      exchange(t, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    }
    // a is stopped: b and c hear nothing from it, and b, its stealer, steals.
    for (; t <= 5_000; t += 200) {
      exchange(t, new Node[] {b, c});
    }
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isEqualTo(Dispatch.Right.STEAL);
    // a runs again; by its own clock everyone was silent, but it knows that silence was its own.
    a.dispatch.resumed(t);
    a.dispatch.refresh(t);
    a.dispatch.stopped(t, a.vector);
    assertThat(a.dispatch.mayDispatch(1, t, a.vector))
        .as("before it hears from its peers")
        .isNull();
    assertThat(a.dispatch.steals()).as("its own silence is no reason to steal").isEmpty();
    assertThat(a.dispatch.judgesLeasesOf(1, t) && a.dispatch.isReady(t)).isFalse();
    t += 200;
    c.dispatch.onFrame(a.frame(t), t);
    a.dispatch.onFrame(c.frame(t), t);
    a.dispatch.onFrame(b.frame(t), t); // b still says it steals a's tasks
    assertThat(a.dispatch.isReady(t)).isTrue();
    assertThat(a.dispatch.mayDispatch(1, t, a.vector)).as("while b steals").isNull();
    for (t += 200; t <= 8_000; t += 200) {
      exchange(t, new Node[] {a, b}, new Node[] {b, c}, new Node[] {a, c});
    }
    assertThat(b.dispatch.mayDispatch(1, t, b.vector)).isNull();
    assertThat(a.dispatch.mayDispatch(1, t, a.vector))
        .as("after the handback")
        .isEqualTo(Dispatch.Right.HOME);
  }
}
