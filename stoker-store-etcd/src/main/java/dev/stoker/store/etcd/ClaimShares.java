package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.store.ClaimParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The claim requests served together by one batch: how many tasks each still wants and which it
 * got. Tasks go to the requests in the order the requests came, each filled before the next gets
 * any, so a batch with too few tasks answers its first requests in full rather than every request
 * in part.
 */
final class ClaimShares {
  private final List<ClaimParams> requests;
  private final List<List<Task>> got;
  private final int[] wants;
  private int left;

  /** The first request that still wants tasks. */
  private int next;

  ClaimShares(List<ClaimParams> requests) {
    this.requests = requests;
    this.got = new ArrayList<>(requests.size());
    this.wants = new int[requests.size()];
    for (int i = 0; i < requests.size(); i++) {
      got.add(new ArrayList<>());
      wants[i] = requests.get(i).max();
      left += wants[i];
    }
  }

  /**
   * Takes back the request at {@code i}, before any task went to it: it wants nothing more (a
   * finish-and-claim whose completion did not commit with the first transaction claims apart).
   */
  void withdraw(int i) {
    left -= wants[i] - got.get(i).size();
    wants[i] = got.get(i).size();
  }

  /** How many tasks the requests still want in all. */
  int left() {
    return left;
  }

  /**
   * The requests the next {@code n} tasks go to, one per task, in order (fewer when they want
   * fewer).
   */
  List<ClaimParams> nextTasksGoTo(int n) {
    List<ClaimParams> out = new ArrayList<>(n);
    for (int i = next; i < requests.size() && out.size() < n; i++) {
      int more = wants[i] - got.get(i).size();
      for (int k = 0; k < more && out.size() < n; k++) {
        out.add(requests.get(i));
      }
    }
    return out;
  }

  /** Hands out claimed tasks, in the order {@link #nextTasksGoTo} gave their requests. */
  void handOut(List<Task> claimed) {
    for (Task t : claimed) {
      while (got.get(next).size() == wants[next]) {
        next++;
      }
      got.get(next).add(t);
      left--;
    }
  }

  /** Each request's tasks, in the order of the requests. */
  List<List<Task>> got() {
    return got;
  }
}
