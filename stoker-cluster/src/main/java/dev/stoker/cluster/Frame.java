package dev.stoker.cluster;

import java.util.Map;
import java.util.Set;

/**
 * What a node tells each peer at least every 200 ms on their link (ap-cluster.md §4): that it is
 * alive, whom it has heard from lately, whose tasks it is stealing, the steals it ended and at
 * which vector, and its own vector (which is also the anti-entropy trigger: a peer that sees a
 * higher mark pulls).
 *
 * @param incarnation increases with every start of the sender (a counter the store persists at each
 *     start), so a restarted node's frames, numbered from 1 again, are not taken for old ones
 * @param number increasing per sender within an incarnation: a frame overtaken by a later one is
 *     ignored
 * @param contactAges per node, how many ms ago the sender last heard from it
 * @param stealing the homes whose tasks the sender dispatches now
 * @param handedBack per home whose steal the sender ended, its vector when it stopped: the home
 *     applies up to it before it dispatches again
 * @param vector the sender's high-water marks
 */
public record Frame(
    int from,
    long incarnation,
    long number,
    Map<Integer, Long> contactAges,
    Set<Integer> stealing,
    Map<Integer, VersionVector> handedBack,
    VersionVector vector) {

  /** Whether this frame was sent after {@code other}, a frame of the same sender. */
  boolean isAfter(Frame other) {
    return incarnation != other.incarnation
        ? incarnation > other.incarnation
        : number > other.number;
  }
}
