package dev.stoker.cluster;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * The static list of node ids, the same on every node (ap-cluster.md §5). It decides who steals
 * from whom: the designated stealer of an unreachable home is the first node after it in id order
 * (wrapping around) that the judging node does not find unreachable itself — Dynamo's "first
 * healthy node". Every node that can reach the others computes the same stealer, so a healthy
 * majority has one stealer per home, not several; a node alone on its side of a partition finds
 * itself the stealer of everyone (design.md's default: every side keeps dispatching).
 */
public record Membership(List<Integer> nodes) {

  public Membership {
    nodes = nodes.stream().sorted().distinct().toList();
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a cluster has at least one node");
    }
  }

  public static Membership of(Integer... nodes) {
    return new Membership(List.of(nodes));
  }

  /**
   * The node that dispatches {@code home}'s tasks while it is unreachable, as seen by a node that
   * finds the nodes in {@code unreachable} unreachable; -1 when there is none (a one-node cluster).
   */
  public int stealerOf(int home, IntPredicate unreachable) {
    int at = nodes.indexOf(home);
    for (int i = 1; i < nodes.size(); i++) {
      int candidate = nodes.get((at + i) % nodes.size());
      if (!unreachable.test(candidate)) {
        return candidate;
      }
    }
    return -1;
  }
}
