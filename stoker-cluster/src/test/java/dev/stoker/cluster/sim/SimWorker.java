package dev.stoker.cluster.sim;

import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import java.util.SplittableRandom;

/**
 * A worker attached to one node: claims (forwarded once to the peer its node points at when its
 * node has nothing it may hand out), works for a while heartbeating to the node that granted the
 * lease, completes. A node that does not answer within a second is given up on and the next node is
 * tried (any node accepts any operation). A 409 on a heartbeat stops the work, as the guidance
 * says. Some workers stall: they stop heartbeating and complete only after their lease ran out
 * (cause (a)).
 */
final class SimWorker {
  private enum State {
    IDLE,
    CLAIMING,
    WORKING,
    COMPLETING
  }

  private final Simulation sim;
  private final SplittableRandom random;
  private final String name;
  private final int attachedTo;
  private State state = State.IDLE;
  private long notBefore;
  private long deadline;
  private int node;
  private Task task;
  private long finishAt;
  private long nextBeat;
  private boolean stalled;
  private long request;
  private int forwardTo = -1;

  SimWorker(Simulation sim, SplittableRandom random, String name, int attachedTo) {
    this.sim = sim;
    this.random = random;
    this.name = name;
    this.attachedTo = attachedTo;
    this.node = attachedTo;
  }

  void tick(long now) {
    switch (state) {
      case IDLE -> {
        if (now >= notBefore && sim.workersOn) {
          claimAt(forwardTo >= 0 ? forwardTo : attachedTo, now);
          forwardTo = -1;
        }
      }
      case CLAIMING, COMPLETING -> {
        if (now >= deadline) {
          if (state == State.CLAIMING) {
            ++request;
            idle(now, 100);
          } else {
            node = sim.nextNode(node);
            sendComplete(now);
          }
        }
      }
      case WORKING -> {
        if (now >= finishAt) {
          sendComplete(now);
        } else if (!stalled && now >= nextBeat) {
          nextBeat = now + sim.leaseMs / 3;
          long r = request;
          sim.node(node).heartbeat(task.id(), task.lease().token(), o -> onBeat(r, o));
        }
      }
      default -> throw new AssertionError(state);
    }
  }

  private void claimAt(int target, long now) {
    state = State.CLAIMING;
    node = target;
    deadline = now + 1_000;
    long r = ++request;
    sim.node(node).claim(name, reply -> onClaim(r, reply));
  }

  private void onClaim(long r, SimNode.ClaimReply reply) {
    if (r != request || state != State.CLAIMING) {
      return;
    }
    long now = sim.now();
    Task t = reply.task();
    if (t == null) {
      // No work here: one hop to the peer the node points at, else wait a little.
      forwardTo = node == attachedTo ? reply.forwardTo() : -1;
      idle(now, forwardTo >= 0 ? 0 : 20 + random.nextInt(60));
      return;
    }
    task = t;
    state = State.WORKING;
    stalled = random.nextDouble() < sim.scenario.stallOdds();
    finishAt =
        now
            + 20
            + random.nextInt(400)
            + (stalled ? sim.leaseMs + sim.config.maxOffsetMs() + 1_500 : 0);
    nextBeat = now + sim.leaseMs / 3;
  }

  private void onBeat(long r, Outcome o) {
    if (r != request || state != State.WORKING) {
      return;
    }
    if (o instanceof Outcome.StaleToken || o instanceof Outcome.AlreadyFinished) {
      sim.stoppedBy409();
      ++request;
      idle(sim.now(), 0);
    }
  }

  private void sendComplete(long now) {
    state = State.COMPLETING;
    deadline = now + 1_000;
    long r = ++request;
    sim.node(node).complete(task.id(), task.lease().token(), o -> onComplete(r, o));
  }

  private void onComplete(long r, Outcome o) {
    if (r != request || state != State.COMPLETING) {
      return;
    }
    if (o instanceof Outcome.NotFound) {
      deadline = sim.now(); // this node has not seen the task: the next tick tries the next node
      return;
    }
    if (o instanceof Outcome.AlreadyFinished) {
      sim.stoppedBy409();
    }
    idle(sim.now(), 0);
  }

  private void idle(long now, long pause) {
    state = State.IDLE;
    task = null;
    notBefore = now + pause;
  }
}
