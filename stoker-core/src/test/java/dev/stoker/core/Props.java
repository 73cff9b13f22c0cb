package dev.stoker.core;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * A tiny property-testing harness, so that stoker-core's property tests need no library. We do not
 * use jqwik: its maintainer asks that it not be used by AI coding agents, and this project is
 * developed with them (see docs/adr/0003-no-jqwik.md).
 *
 * <p>A property is a plain JUnit test that calls {@link #forAll}: try {@code i} draws its input
 * from {@code new SplittableRandom(seed + i)}, so every case is reproducible from its seed alone.
 * The base seed is the system property {@code stoker.props.seed} (a fixed default, so CI is
 * deterministic); a failure names the case's seed, and running with {@code
 * -Dstoker.props.seed=<that seed>} makes the failing case the first try. {@code
 * stoker.props.tries.factor} scales every property's tries (e.g. 20 for a long run). There is no
 * shrinking: generators should keep inputs small and near the edges.
 *
 * <p>Generators are plain functions over {@link SplittableRandom}. The helpers below return a
 * range's edge values (its ends, and 0, 1, -1 where they lie inside it) one time in {@value
 * #EDGE_ODDS}, as jqwik's edge cases did, so boundaries are hit without a dedicated test.
 */
public final class Props {
  /** The base seed of every property. */
  public static final long SEED = Long.getLong("stoker.props.seed", 20_240_601L);

  /** The factor applied to every property's tries. */
  public static final double TRIES_FACTOR =
      Double.parseDouble(System.getProperty("stoker.props.tries.factor", "1"));

  /** One draw in this many returns an edge value. */
  public static final int EDGE_ODDS = 8;

  private Props() {}

  /**
   * Checks {@code property} on {@code tries} (times the factor) inputs, from the base {@link
   * #SEED}.
   */
  public static <T> void forAll(
      String name, int tries, Function<SplittableRandom, T> generator, Consumer<T> property) {
    forAll(name, tries, SEED, generator, property);
  }

  /** Checks {@code property} on inputs drawn with seeds {@code seed}, {@code seed + 1}, ... */
  public static <T> void forAll(
      String name,
      int tries,
      long seed,
      Function<SplittableRandom, T> generator,
      Consumer<T> property) {
    int n = (int) Math.max(1, Math.round(tries * TRIES_FACTOR));
    for (int i = 0; i < n; i++) {
      long caseSeed = seed + i;
      T input = generator.apply(new SplittableRandom(caseSeed));
      try {
        property.accept(input);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            String.format(
                "property %s failed on try %d of %d, case seed %d (replay it first with -Dstoker.props.seed=%d)%n"
                    + "input: %s%ncause: %s",
                name, i + 1, n, caseSeed, caseSeed, input, e),
            e);
      }
    }
  }

  /**
   * Any long; one time in {@value #EDGE_ODDS} one of 0, 1, -1, {@code Long.MIN_VALUE}, {@code
   * Long.MAX_VALUE}.
   */
  public static long longs(SplittableRandom r) {
    return longs(r, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** A long in [min, max], inclusive; one time in {@value #EDGE_ODDS} an edge of the range. */
  public static long longs(SplittableRandom r, long min, long max) {
    if (r.nextInt(EDGE_ODDS) == 0) {
      long[] edges =
          LongStream.of(min, max, 0, 1, -1).filter(e -> e >= min && e <= max).distinct().toArray();
      return edges[r.nextInt(edges.length)];
    }
    if (max < Long.MAX_VALUE) {
      return r.nextLong(min, max + 1);
    }
    return min > Long.MIN_VALUE ? r.nextLong(min - 1, max) + 1 : r.nextLong();
  }

  /** An int in [min, max], inclusive; one time in {@value #EDGE_ODDS} an edge of the range. */
  public static int ints(SplittableRandom r, int min, int max) {
    return (int) longs(r, min, max);
  }

  /** A double in [0, 1); one time in {@value #EDGE_ODDS} 0 or the largest double below 1. */
  public static double unit(SplittableRandom r) {
    if (r.nextInt(EDGE_ODDS) == 0) {
      return r.nextBoolean() ? 0.0 : Math.nextDown(1.0);
    }
    return r.nextDouble();
  }

  /** One of the values, each as likely. */
  @SafeVarargs
  public static <T> T oneOf(SplittableRandom r, T... values) {
    return values[r.nextInt(values.length)];
  }

  /** One of the values, each as likely as its weight (the entry's key) makes it. */
  @SafeVarargs
  public static <T> T frequency(SplittableRandom r, Map.Entry<Integer, T>... weighted) {
    int total = 0;
    for (Map.Entry<Integer, T> e : weighted) {
      total += e.getKey();
    }
    int pick = r.nextInt(total);
    for (Map.Entry<Integer, T> e : weighted) {
      pick -= e.getKey();
      if (pick < 0) {
        return e.getValue();
      }
    }
    throw new AssertionError("unreachable");
  }

  /**
   * A list of a size uniformly drawn from [minSize, maxSize], of elements drawn by {@code element}.
   */
  public static <T> List<T> listOf(
      SplittableRandom r, int minSize, int maxSize, Function<SplittableRandom, T> element) {
    int size = r.nextInt(minSize, maxSize + 1);
    return Stream.generate(() -> element.apply(r)).limit(size).toList();
  }
}
