package dev.stoker.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anti-entropy as a pure protocol (ap-cluster.md §2). A node sends its {@link VersionVector}; the
 * peer answers, per origin where it holds more, exactly the events numbered above the asker's mark,
 * from its copy of that origin's log — its own events and every third node's — so a node cut off
 * from an origin still catches up through any node that has them. Nothing is sent twice on a clean
 * exchange and nothing is sent that the asker already holds below its mark.
 *
 * <p>Run it on connect, on a detected gap (an event numbered past the mark + 1) and every second;
 * it is symmetric: the asker answers the vector that came back in the same way.
 */
public final class CatchUp {
  private CatchUp() {}

  /**
   * One page of an answer.
   *
   * @param events what the asker lacks, origin by origin, each origin in seq order
   * @param complete whether this page holds everything the asker lacked of what the peer holds
   * @param peer the answering node's vector, so the asker can answer it in turn
   */
  public record Page(List<Event> events, boolean complete, VersionVector peer) {}

  /**
   * The answer to a node that holds {@code asker}, from {@code log}, at most {@code limit} events.
   */
  public static Page answer(EventLog log, VersionVector asker, int limit) {
    VersionVector mine = log.vector();
    List<Event> events = new ArrayList<>();
    boolean complete = true;
    for (Map.Entry<Integer, Long> e : mine.marks().entrySet()) {
      long from = asker.get(e.getKey());
      long to = e.getValue();
      if (to <= from) {
        continue;
      }
      int room = limit - events.size();
      if (room <= 0) {
        complete = false;
        break;
      }
      List<Event> page = log.read(e.getKey(), from, to, room);
      events.addAll(page);
      if (from + page.size() < to) {
        complete = false;
      }
    }
    return new Page(events, complete, mine);
  }
}
