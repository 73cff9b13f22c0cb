package dev.stoker.core;

import static dev.stoker.core.Props.forAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The laws of the version lattice (docs/state-machine.md, "The version"): replicas merge by keeping
 * the larger version, which is only sound when merge is commutative, associative and idempotent and
 * the order is a total order consistent with equals.
 *
 * <p>The fields are drawn from small ranges (with the odd extreme value) so that generated versions
 * often share prefixes and tie on fields: that is where a wrong comparator goes wrong. Each law is
 * checked on {@value #TRIES} generated cases (see {@link Props} for seeds and replay).
 */
class VersionProperties {

  static final int TRIES = 10_000;

  record Pair(Version a, Version b) {}

  record Triple(Version a, Version b, Version c) {}

  record Quad(Version a, Version b, Version c, Version d) {}

  static Version version(SplittableRandom r) {
    return new Version(
        Props.ints(r, 0, 1),
        small(r),
        Props.ints(r, Version.RANK_LIVE, Version.RANK_DEAD),
        small(r),
        Props.ints(r, Version.PHASE_PENDING, Version.PHASE_WORKING),
        r.nextBoolean() ? Props.longs(r, 0, 3) : Props.longs(r),
        r.nextBoolean() ? Props.ints(r, 0, 2) : 65_535);
  }

  /** A generation or epoch: mostly tiny, so that versions tie on it, or an extreme value. */
  private static long small(SplittableRandom r) {
    return r.nextBoolean()
        ? Props.longs(r, 0, 3)
        : Props.oneOf(r, Long.MAX_VALUE, Long.MIN_VALUE, -1L, 1L << 40);
  }

  static Pair versions2(SplittableRandom r) {
    return new Pair(version(r), version(r));
  }

  static Triple versions3(SplittableRandom r) {
    return new Triple(version(r), version(r), version(r));
  }

  /** Two versions that are equal, or differ in one or two fields: the hard cases for an order. */
  static Pair nearVersions(SplittableRandom r) {
    Version v = version(r);
    int[] fieldsToChange = new int[r.nextInt(3)];
    for (int i = 0; i < fieldsToChange.length; i++) {
      fieldsToChange[i] = Props.ints(r, -1, 6);
    }
    int delta = Props.ints(r, -1, 1);
    long[] f = fields(v);
    for (int i : fieldsToChange) {
      if (i >= 0) {
        f[i] += delta;
      }
    }
    return new Pair(v, fromFields(f));
  }

  // ---- merge ----

  @Test
  void merge_is_commutative() {
    forAll(
        "merge_is_commutative",
        TRIES,
        VersionProperties::versions2,
        p -> assertThat(Version.merge(p.a(), p.b())).isEqualTo(Version.merge(p.b(), p.a())));
  }

  @Test
  void merge_is_commutative_for_near_versions() {
    forAll(
        "merge_is_commutative_for_near_versions",
        TRIES,
        VersionProperties::nearVersions,
        p -> assertThat(Version.merge(p.a(), p.b())).isEqualTo(Version.merge(p.b(), p.a())));
  }

  @Test
  void merge_is_associative() {
    forAll(
        "merge_is_associative",
        TRIES,
        VersionProperties::versions3,
        t ->
            assertThat(Version.merge(Version.merge(t.a(), t.b()), t.c()))
                .isEqualTo(Version.merge(t.a(), Version.merge(t.b(), t.c()))));
  }

  @Test
  void merge_is_idempotent() {
    forAll(
        "merge_is_idempotent",
        TRIES,
        VersionProperties::versions2,
        p -> {
          Version a = p.a();
          Version b = p.b();
          assertThat(Version.merge(a, a)).isEqualTo(a);
          Version ab = Version.merge(a, b);
          assertThat(Version.merge(ab, b)).isEqualTo(ab);
          assertThat(Version.merge(ab, a)).isEqualTo(ab);
        });
  }

  @Test
  void merge_is_monotone_and_picks_one_of_its_inputs() {
    forAll(
        "merge_is_monotone_and_picks_one_of_its_inputs",
        TRIES,
        VersionProperties::versions2,
        p -> {
          Version m = Version.merge(p.a(), p.b());
          assertThat(m.compareTo(p.a())).isGreaterThanOrEqualTo(0);
          assertThat(m.compareTo(p.b())).isGreaterThanOrEqualTo(0);
          assertThat(m).isIn(p.a(), p.b());
        });
  }

  @Test
  void merging_in_any_order_gives_the_maximum() {
    forAll(
        "merging_in_any_order_gives_the_maximum",
        TRIES,
        r -> new Quad(version(r), version(r), version(r), version(r)),
        q -> {
          Version max = Stream.of(q.a(), q.b(), q.c(), q.d()).max(Version::compareTo).orElseThrow();
          assertThat(Version.merge(Version.merge(q.d(), q.b()), Version.merge(q.c(), q.a())))
              .isEqualTo(max);
          assertThat(Version.merge(q.a(), Version.merge(q.b(), Version.merge(q.c(), q.d()))))
              .isEqualTo(max);
        });
  }

  // ---- the order ----

  @Test
  void compare_is_antisymmetric() {
    forAll(
        "compare_is_antisymmetric",
        TRIES,
        VersionProperties::nearVersions,
        p -> {
          Version a = p.a();
          Version b = p.b();
          assertThat(Integer.signum(a.compareTo(b))).isEqualTo(-Integer.signum(b.compareTo(a)));
          assertThat(a.isAfter(b)).isEqualTo(a.compareTo(b) > 0);
        });
  }

  @Test
  void compare_is_consistent_with_equals() {
    forAll(
        "compare_is_consistent_with_equals",
        TRIES,
        VersionProperties::nearVersions,
        p -> {
          Version a = p.a();
          Version b = p.b();
          assertThat(a.compareTo(b) == 0).isEqualTo(a.equals(b));
          assertThat(a.compareTo(a)).isZero();
        });
  }

  @Test
  void compare_is_transitive() {
    forAll(
        "compare_is_transitive",
        TRIES,
        VersionProperties::versions3,
        t -> {
          Version a = t.a();
          Version b = t.b();
          Version c = t.c();
          List<Version> sorted = new ArrayList<>(List.of(a, b, c));
          sorted.sort(null);
          for (int i = 0; i < sorted.size(); i++) {
            for (int j = i + 1; j < sorted.size(); j++) {
              assertThat(sorted.get(i).compareTo(sorted.get(j))).isLessThanOrEqualTo(0);
            }
          }
          if (a.compareTo(b) < 0 && b.compareTo(c) < 0) {
            assertThat(a.compareTo(c)).isNegative();
          }
          if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
            assertThat(a.compareTo(c)).isLessThanOrEqualTo(0);
          }
        });
  }

  /**
   * The order is exactly the left-to-right comparison of (done, generation, terminal_rank, epoch,
   * phase, hlc, node) of docs/state-machine.md ("The version"): the order of the fields is the
   * whole conflict policy.
   */
  @Test
  void compare_is_lexicographic_over_the_design_tuple() {
    forAll(
        "compare_is_lexicographic_over_the_design_tuple",
        TRIES,
        VersionProperties::nearVersions,
        VersionProperties::comparesLexicographically);
  }

  @Test
  void compare_is_lexicographic_for_unrelated_versions() {
    forAll(
        "compare_is_lexicographic_for_unrelated_versions",
        TRIES,
        VersionProperties::versions2,
        VersionProperties::comparesLexicographically);
  }

  private static void comparesLexicographically(Pair p) {
    int expected = Integer.signum(Arrays.compare(fields(p.a()), fields(p.b())));
    assertThat(Integer.signum(p.a().compareTo(p.b()))).isEqualTo(expected);
  }

  private static long[] fields(Version v) {
    return new long[] {
      v.done(), v.generation(), v.terminalRank(), v.epoch(), v.phase(), v.hlc(), v.node()
    };
  }

  private static Version fromFields(long[] f) {
    return new Version((int) f[0], f[1], (int) f[2], f[3], (int) f[4], f[5], (int) f[6]);
  }
}
