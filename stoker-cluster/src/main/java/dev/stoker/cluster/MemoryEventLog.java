package dev.stoker.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** An {@link EventLog} in memory. Not thread-safe: one node's writer owns it. */
public final class MemoryEventLog implements EventLog {
  private final Map<Integer, NavigableMap<Long, Event>> byOrigin = new TreeMap<>();
  private final Map<Integer, Long> highWater = new HashMap<>();

  @Override
  public boolean add(Event e) {
    NavigableMap<Long, Event> log = byOrigin.computeIfAbsent(e.origin(), o -> new TreeMap<>());
    Event held = log.putIfAbsent(e.seq(), e);
    if (held != null) {
      if (!held.equals(e)) {
        throw new IllegalStateException(
            "origin "
                + e.origin()
                + " reused seq "
                + e.seq()
                + ": held "
                + held
                + ", received "
                + e);
      }
      return false;
    }
    long mark = highWater.getOrDefault(e.origin(), 0L);
    while (log.containsKey(mark + 1)) {
      mark++;
    }
    highWater.put(e.origin(), mark);
    return true;
  }

  @Override
  public long highWater(int origin) {
    return highWater.getOrDefault(origin, 0L);
  }

  @Override
  public VersionVector vector() {
    return VersionVector.of(highWater);
  }

  @Override
  public List<Event> read(int origin, long after, long upTo, int max) {
    NavigableMap<Long, Event> log = byOrigin.get(origin);
    if (log == null || upTo <= after) {
      return List.of();
    }
    List<Event> out = new ArrayList<>();
    for (Event e : log.subMap(after, false, upTo, true).values()) {
      if (out.size() == max) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /** Every event held, origin by origin, in seq order. */
  public List<Event> all() {
    List<Event> out = new ArrayList<>();
    byOrigin.values().forEach(log -> out.addAll(log.values()));
    return out;
  }

  public int size() {
    int n = 0;
    for (NavigableMap<Long, Event> log : byOrigin.values()) {
      n += log.size();
    }
    return n;
  }
}
