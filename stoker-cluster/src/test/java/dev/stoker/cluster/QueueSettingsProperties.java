package dev.stoker.cluster;

import static dev.stoker.core.Props.forAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Hlc;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Stamp;
import dev.stoker.core.store.SettingsPatch;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The merge of a queue's settings is a join, field by field (docs/backends/cluster.md, "The
 * merge"): any permutation of any multiset of the settings events gives every replica the same
 * settings, and each field holds the write of the largest (HLC, node) that set it. Histories: 1–4
 * nodes, each with its own clock, changing random subsets of the fields and now and then hearing of
 * another node's change (so its next one is causally after it). Seeds and replay: see {@link
 * dev.stoker.core.Props}.
 */
class QueueSettingsProperties {
  static final int TRIES = 1_000;

  /**
   * @param knew per event, the events its node had made or heard of when it made it
   */
  record Case(List<Event> events, List<BitSet> knew, long shuffleSeed) {
    @Override
    public String toString() {
      return events.size() + " events, shuffle seed " + shuffleSeed + ": " + events;
    }
  }

  private static final class Node {
    long now;
    final Hlc hlc = new Hlc(() -> now);
    final Origin origin;
    final BitSet knows = new BitSet();

    Node(int id, long now) {
      this.origin = new Origin(id, 0);
      this.now = now;
    }
  }

  static Case history(SplittableRandom r) {
    List<Node> nodes = new ArrayList<>();
    int n = r.nextInt(1, 5);
    for (int i = 0; i < n; i++) {
      // clocks a few ms apart: equal HLCs on two nodes happen, and the node's id breaks the tie
      nodes.add(new Node(i + 1, Histories.START + r.nextInt(4)));
    }
    List<Event> events = new ArrayList<>();
    List<BitSet> knew = new ArrayList<>();
    int steps = r.nextInt(1, 60);
    for (int s = 0; s < steps; s++) {
      Node node = nodes.get(r.nextInt(n));
      node.now += r.nextInt(3);
      if (!events.isEmpty() && r.nextInt(3) == 0) {
        int heard = r.nextInt(events.size());
        node.hlc.observe(events.get(heard).hlc());
        node.knows.set(heard);
        node.knows.or(knew.get(heard));
      }
      knew.add((BitSet) node.knows.clone());
      node.knows.set(events.size());
      events.add(
          node.origin.settingsEvent(
              new SettingsChange("q", patch(r)), Stamp.next(node.hlc, node.origin.node())));
    }
    return new Case(events, knew, r.nextLong());
  }

  /** A change of some fields (maybe none), each from a few values, so writes often agree. */
  static SettingsPatch patch(SplittableRandom r) {
    return new SettingsPatch(
        r.nextInt(3) == 0 ? 1_000L * r.nextInt(1, 4) : null,
        r.nextInt(3) == 0 ? r.nextInt(1, 4) : null,
        r.nextInt(3) == 0 ? 100L * r.nextInt(0, 3) : null,
        r.nextInt(3) == 0 ? 1.0 + r.nextInt(3) : null,
        r.nextInt(3) == 0 ? 10_000L * r.nextInt(0, 3) : null,
        r.nextInt(3) == 0 ? 60_000L * r.nextInt(0, 3) : null,
        r.nextInt(3) == 0 ? r.nextBoolean() : null);
  }

  @Test
  void any_permutation_of_any_multiset_of_the_events_gives_the_same_settings() {
    forAll(
        "queue_settings_any_permutation_of_any_multiset",
        TRIES,
        QueueSettingsProperties::history,
        c -> {
          QueueSettingsReplica inOrder = applyAll(c.events());
          Random shuffle = new Random(c.shuffleSeed());
          for (int replica = 0; replica < 3; replica++) {
            List<Event> multiset = Histories.anyMultiset(c.events(), shuffle);
            assertThat(applyAll(multiset)).as("replica %d", replica).isEqualTo(inOrder);
            assertThat(applyAll(multiset).over(QueueSettings.DEFAULT))
                .isEqualTo(inOrder.over(QueueSettings.DEFAULT));
          }
        });
  }

  @Test
  void each_field_holds_the_value_of_the_last_change_that_set_it() {
    forAll(
        "queue_settings_each_field_is_the_last_writers",
        TRIES,
        QueueSettingsProperties::history,
        c -> {
          Object[] merged = QueueSettingsReplica.values(applyAll(c.events()).values());
          for (int f = 0; f < merged.length; f++) {
            Event last = null;
            for (Event e : c.events()) {
              Object v = QueueSettingsReplica.values(e.settings().patch())[f];
              if (v != null
                  && (last == null
                      || e.hlc() > last.hlc()
                      || (e.hlc() == last.hlc() && e.origin() > last.origin()))) {
                last = e;
              }
            }
            assertThat(merged[f])
                .as("field %s", QueueSettingsReplica.FIELDS[f])
                .isEqualTo(
                    last == null ? null : QueueSettingsReplica.values(last.settings().patch())[f]);
          }
        });
  }

  @Test
  void a_change_made_after_seeing_another_wins_over_it_on_every_node() {
    forAll(
        "queue_settings_causal_changes_win",
        TRIES,
        QueueSettingsProperties::history,
        c -> {
          // A change's HLC is past every change its node made or heard of before it, whatever
          // the clocks: so it wins over them, field by field, and only concurrent changes are
          // ordered by clocks and ids.
          for (int i = 0; i < c.events().size(); i++) {
            Event e = c.events().get(i);
            c.knew().get(i).stream()
                .forEach(
                    j ->
                        assertThat(e.hlc())
                            .as("%s after %s", e, c.events().get(j))
                            .isGreaterThan(c.events().get(j).hlc()));
          }
        });
  }

  @Test
  void a_pause_on_one_node_and_a_lease_changed_on_another_both_stick_in_either_order() {
    Node a = new Node(1, Histories.START);
    Node b = new Node(2, Histories.START + 5);
    Event pause =
        a.origin.settingsEvent(
            new SettingsChange("q", new SettingsPatch(null, null, null, null, null, null, true)),
            Stamp.next(a.hlc, 1));
    Event lease =
        b.origin.settingsEvent(
            new SettingsChange("q", new SettingsPatch(60_000L, null, null, null, null, null, null)),
            Stamp.next(b.hlc, 2));
    QueueSettings expected =
        new SettingsPatch(60_000L, null, null, null, null, null, true)
            .applyTo(QueueSettings.DEFAULT);
    assertThat(applyAll(List.of(pause, lease)).over(QueueSettings.DEFAULT)).isEqualTo(expected);
    assertThat(applyAll(List.of(lease, pause)).over(QueueSettings.DEFAULT)).isEqualTo(expected);
  }

  @Test
  void an_unpause_made_after_the_pause_arrived_wins_even_from_a_slower_clock() {
    Node a = new Node(1, Histories.START + 10_000); // 10 s ahead
    Node b = new Node(2, Histories.START);
    Event pause =
        a.origin.settingsEvent(
            new SettingsChange("q", new SettingsPatch(null, null, null, null, null, null, true)),
            Stamp.next(a.hlc, 1));
    b.hlc.observe(pause.hlc());
    Event unpause =
        b.origin.settingsEvent(
            new SettingsChange("q", new SettingsPatch(null, null, null, null, null, null, false)),
            Stamp.next(b.hlc, 2));
    assertThat(applyAll(List.of(unpause, pause)).over(QueueSettings.DEFAULT).paused()).isFalse();
  }

  @Test
  void queue_settings_events_and_replicas_round_trip_and_a_flipped_bit_is_refused() {
    for (int seed = 0; seed < 200; seed++) {
      List<Event> events = history(new SplittableRandom(seed)).events();
      for (Event e : events) {
        assertThat(EventCodec.decode(EventCodec.encode(e))).as("seed %d", seed).isEqualTo(e);
      }
      QueueSettingsReplica r = applyAll(events);
      assertThat(QueueSettingsReplicaCodec.decode(QueueSettingsReplicaCodec.encode(r)))
          .as("seed %d", seed)
          .isEqualTo(r);
    }
    byte[] bytes = EventCodec.encode(history(new SplittableRandom(7)).events().getFirst());
    for (int i = 0; i < bytes.length; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x10;
      assertThatThrownBy(() -> EventCodec.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** The figure docs/backends/cluster.md quotes: a pause of queue "default" on the wire. */
  @Test
  void a_pause_is_29_bytes() {
    Node a = new Node(3, Histories.START);
    Origin origin = new Origin(3, 41_999);
    Event pause =
        origin.settingsEvent(
            new SettingsChange(
                "default", new SettingsPatch(null, null, null, null, null, null, true)),
            Stamp.next(a.hlc, 3));
    assertThat(EventCodec.encode(pause)).hasSize(29);
  }

  static QueueSettingsReplica applyAll(List<Event> events) {
    QueueSettingsReplica r = QueueSettingsReplica.EMPTY;
    for (Event e : events) {
      r = r.apply(e);
    }
    return r;
  }
}
