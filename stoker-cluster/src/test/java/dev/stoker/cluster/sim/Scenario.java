package dev.stoker.cluster.sim;

import dev.stoker.cluster.Duplicates.Cause;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a simulation run throws at the cluster (ap-cluster.md §6, the C-list), and which duplicate
 * causes it may therefore produce: a duplicate of any other cause fails the run.
 *
 * @param chaosMs how long faults happen (virtual ms) before everything heals
 * @param enqueueOdds per node and 10 ms tick, the odds of a client enqueue
 * @param uniqueKeyOdds the odds that an enqueue carries one of a few unique keys
 * @param skewMs each node's clock is off by up to this much (within max_offset for no early expiry)
 * @param jumps clocks jump by seconds now and then (beyond max_offset: cause (a))
 */
record Scenario(
    String name,
    int nodes,
    long chaosMs,
    double enqueueOdds,
    double uniqueKeyOdds,
    boolean partitions,
    boolean oneWayCuts,
    boolean crashes,
    boolean pauses,
    long skewMs,
    boolean jumps,
    double stallOdds,
    double loss,
    double duplication,
    Set<Cause> allowed) {

  static Scenario healthy() {
    return new Scenario(
        "C1 healthy",
        3,
        8_000,
        0.05,
        0,
        false,
        false,
        false,
        false,
        0,
        false,
        0,
        0,
        0,
        EnumSet.noneOf(Cause.class));
  }

  static Scenario lossyNetwork() {
    return new Scenario(
        "C11 loss, duplication, reordering",
        3,
        8_000,
        0.05,
        0,
        false,
        false,
        false,
        false,
        0,
        false,
        0,
        0.1,
        0.1,
        EnumSet.noneOf(Cause.class));
  }

  static Scenario cutLinks() {
    return new Scenario(
        "C4 cut links, a third node in touch",
        3,
        10_000,
        0.05,
        0,
        false,
        true,
        false,
        false,
        0,
        false,
        0,
        0.02,
        0.02,
        EnumSet.noneOf(Cause.class));
  }

  static Scenario partitioned() {
    return new Scenario(
        "C2/C3 partitions",
        3,
        12_000,
        0.05,
        0.2,
        true,
        false,
        false,
        false,
        0,
        false,
        0,
        0.02,
        0.02,
        EnumSet.of(Cause.PARTITION, Cause.UNIQUE_KEY));
  }

  static Scenario crashing() {
    return new Scenario(
        "C5 crashes",
        3,
        12_000,
        0.05,
        0,
        false,
        false,
        true,
        false,
        0,
        false,
        0,
        0,
        0,
        EnumSet.of(Cause.LEASE_EXPIRY, Cause.CRASH_BEFORE_PUSH));
  }

  static Scenario pausing() {
    return new Scenario(
        "C8 pauses past steal_delay",
        3,
        12_000,
        0.05,
        0,
        false,
        false,
        false,
        true,
        0,
        false,
        0,
        0,
        0,
        EnumSet.of(Cause.LEASE_EXPIRY, Cause.FALSE_SUSPICION));
  }

  static Scenario skew() {
    return new Scenario(
        "C9 skew within max_offset",
        3,
        10_000,
        0.05,
        0,
        false,
        false,
        false,
        false,
        300,
        false,
        0,
        0,
        0,
        EnumSet.noneOf(Cause.class));
  }

  static Scenario everything() {
    return new Scenario(
        "C12 everything",
        3,
        15_000,
        0.05,
        0.2,
        true,
        true,
        true,
        true,
        300,
        true,
        0.05,
        0.05,
        0.05,
        EnumSet.allOf(Cause.class));
  }

  Scenario withNodes(int n) {
    return new Scenario(
        name + " on " + n + " nodes",
        n,
        chaosMs,
        enqueueOdds,
        uniqueKeyOdds,
        partitions,
        oneWayCuts,
        crashes,
        pauses,
        skewMs,
        jumps,
        stallOdds,
        loss,
        duplication,
        allowed);
  }
}
