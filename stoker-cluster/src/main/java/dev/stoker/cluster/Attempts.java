package dev.stoker.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How many times a task was claimed in its current generation, kept so that merging two sides of a
 * partition never loses an attempt (ap-cluster.md §3, flaw 4). Each node counts only its own claims
 * and releases (a PN-counter: a release gives the attempt back), and a merge takes each node's
 * larger count; a higher generation (a redrive) starts from zero. Each part is a join-semilattice,
 * so the pair is one.
 *
 * <p>Two claims of one epoch on two sides of a partition were two real attempts: the counter says 2
 * where the winning register alone would say 1, so {@code max_attempts} holds across the cluster.
 */
public record Attempts(
    long generation, SortedMap<Integer, Integer> claims, SortedMap<Integer, Integer> releases) {

  public static final Attempts NONE =
      new Attempts(0, Collections.emptySortedMap(), Collections.emptySortedMap());

  public Attempts {
    claims = Collections.unmodifiableSortedMap(new TreeMap<>(claims));
    releases = Collections.unmodifiableSortedMap(new TreeMap<>(releases));
  }

  /** Attempts made in this generation: claims less releases, over all nodes. */
  public int total() {
    return sum(claims) - sum(releases);
  }

  /** The join: the higher generation, or within one generation each node's larger counts. */
  public static Attempts merge(Attempts a, Attempts b) {
    if (a.generation != b.generation) {
      return a.generation > b.generation ? a : b;
    }
    return new Attempts(a.generation, max(a.claims, b.claims), max(a.releases, b.releases));
  }

  /**
   * These attempts after {@code node} made a transition that moved the attempt count by {@code
   * delta}.
   */
  Attempts after(long newGeneration, int node, int delta) {
    Attempts base =
        newGeneration == generation
            ? this
            : new Attempts(newGeneration, NONE.claims, NONE.releases);
    return switch (Integer.signum(delta)) {
      case 0 -> base;
      case 1 -> new Attempts(newGeneration, plus(base.claims, node, delta), base.releases);
      default -> new Attempts(newGeneration, base.claims, plus(base.releases, node, -delta));
    };
  }

  private static SortedMap<Integer, Integer> max(Map<Integer, Integer> a, Map<Integer, Integer> b) {
    SortedMap<Integer, Integer> m = new TreeMap<>(a);
    b.forEach((node, n) -> m.merge(node, n, Math::max));
    return m;
  }

  private static SortedMap<Integer, Integer> plus(Map<Integer, Integer> counts, int node, int n) {
    SortedMap<Integer, Integer> m = new TreeMap<>(counts);
    m.merge(node, n, Integer::sum);
    return m;
  }

  private static int sum(Map<Integer, Integer> counts) {
    int s = 0;
    for (int n : counts.values()) {
      s += n;
    }
    return s;
  }
}
