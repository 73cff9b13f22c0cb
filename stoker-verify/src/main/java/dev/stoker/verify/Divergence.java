package dev.stoker.verify;

import java.util.List;

/**
 * Why two nodes of an AP cluster could disagree about a task (docs/backends/cluster.md, "What a
 * partition costs"): pure logic over a history's fault windows, for the {@link Checker}. On one
 * node, or on servers over one shared store, a task claimed while its lease was surely held, or
 * claimed again after its completion, is a bug. In the AP cluster it is the price of availability
 * when the node that granted the first claim and the node that granted the second could not hear
 * each other: a partition between them (cause (b)), one of them paused past {@code steal_delay}
 * (c), or killed before it pushed its last events (d); and a node whose clock ran off by more than
 * {@code max_offset} ends leases early (a). Each explanation needs the fault window to overlap the
 * span in question, widened by {@link #SETTLE_NS}: the nodes need a moment after a heal or a
 * restart to hear each other again, and until then a stealer goes on stealing.
 */
final class Divergence {
  /** A reason two nodes could disagree, with its letter in docs/backends/cluster.md. */
  enum Cause {
    PARTITION("partition: stolen across it (b)"),
    PAUSE("node paused: false suspicion (c)"),
    KILL("node killed before pushing (d)"),
    SKEW("clock skew beyond max_offset (a)"),
    LAG("completed on two nodes before either heard of the other"),
    BEHIND("node behind on the other's events (sampled)");

    final String label;

    Cause(String label) {
      this.label = label;
    }
  }

  /** How long after a fault window the nodes may still act on what they knew during it. */
  static final long SETTLE_NS = ApCluster.STEAL_DELAY_MS * 1_000_000L;

  private final int nodes;
  private final List<Op> faults;

  /**
   * @param nodes the number of nodes, from the history's {@link Op.Fn#CLUSTER} operation (0: the
   *     history is not of a replicated cluster, and nothing is explained here)
   * @param faults the fault windows of the history
   */
  Divergence(int nodes, List<Op> faults) {
    this.nodes = nodes;
    this.faults = faults;
  }

  boolean replicated() {
    return nodes > 0;
  }

  /**
   * The node an operation went to: {@code pI}, {@code wI} use node {@code I mod N}; {@code final-I}
   * node I.
   */
  int nodeOf(Op op) {
    if (!replicated()) {
      return 0;
    }
    String p = op.process();
    int digits = p.startsWith("final-") ? 6 : 1;
    try {
      return Math.floorMod(Integer.parseInt(p.substring(digits)), nodes);
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return 0;
    }
  }

  /**
   * The node that granted a claim: the node its reply's version names (node ids are 1 + the index,
   * {@link ApCluster}), which is not the worker's own node when that node forwarded the claim to a
   * peer; the worker's node when the reply shows no version.
   */
  int grantorOf(Op claim, Op.Item item) {
    String v = item.version();
    if (!replicated() || v == null) {
      return nodeOf(claim);
    }
    try {
      int node = Integer.parseInt(v.substring(v.lastIndexOf('.') + 1)) - 1;
      return node >= 0 && node < nodes ? node : nodeOf(claim);
    } catch (NumberFormatException e) {
      return nodeOf(claim);
    }
  }

  /**
   * Why node {@code x} and node {@code y} could disagree about a task between {@code fromNs} and
   * {@code toNs}, or null when they could not (or the history is not of a replicated cluster): a
   * partition with them on different sides, a pause or a kill of either, or a clock beyond {@code
   * maxOffset} on either (which alone explains a lease ended early, also when x is y).
   */
  Cause cause(int x, int y, long fromNs, long toNs) {
    if (!replicated()) {
      return null;
    }
    Cause paused = null;
    Cause killed = null;
    Cause skewed = null;
    for (Op f : faults) {
      if (f.invokeNs() >= toNs || f.completeNs() + SETTLE_NS <= fromNs) {
        continue;
      }
      boolean hitsX = names(f, x);
      boolean hitsY = names(f, y);
      boolean either = hitsX || hitsY;
      switch (f.f()) {
        case PARTITION -> {
          if (hitsX != hitsY) {
            return Cause.PARTITION;
          }
        }
        case PAUSE -> paused = x != y && either ? Cause.PAUSE : paused;
        case KILL, POWER -> killed = x != y && either ? Cause.KILL : killed;
        case SKEW -> {
          if (either && Math.abs(Nemesis.clockOffsetMs(f)) > ApCluster.MAX_OFFSET_MS) {
            skewed = Cause.SKEW;
          } else if (x != y && either) {
            killed = Cause.KILL; // a skew restarts its node twice
          }
        }
        default -> {}
      }
    }
    return paused != null ? paused : killed != null ? killed : skewed;
  }

  /**
   * Why node {@code y} could not yet know of a completion node {@code x} acknowledged: nodes that
   * hear each other still learn of each other's events a moment late. Two live claims of one task
   * on two nodes come from a duplicate the checker explains apart (a lease that ran out, a steal);
   * this explains only that both completions were answered 2xx, or that {@code y} handed out again
   * a task whose lease had run out before its completion, when {@code y} acted less than {@link
   * #SETTLE_NS} after the completion was acknowledged. Never on one node: there the second
   * completion must be 409 {@code already-finished}, and nothing is handed out once completed.
   */
  Cause lag(int x, int y, long firstAckNs, long secondInvokeNs) {
    return replicated() && x != y && secondInvokeNs - firstAckNs < SETTLE_NS ? Cause.LAG : null;
  }

  private static boolean names(Op fault, int node) {
    String name = "node-" + node;
    return fault.items().stream().anyMatch(i -> name.equals(i.value()));
  }
}
