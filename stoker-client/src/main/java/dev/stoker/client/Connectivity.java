package dev.stoker.client;

import java.lang.System.Logger.Level;

/**
 * Whether a worker can reach its server, for logging: one WARN when an outage starts ("server
 * unreachable, retrying") and one INFO when it ends, however many calls fail in between.
 */
final class Connectivity {
  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  private final String who;
  private final String server;
  private volatile boolean down;
  private long downSince;

  Connectivity(String who, String server) {
    this.who = who;
    this.server = server;
  }

  /** A call failed because the server could not be reached or could not serve. */
  void down(StokerUnavailableException e) {
    if (!down) {
      synchronized (this) {
        if (!down) {
          downSince = System.nanoTime();
          down = true;
          LOG.log(
              Level.WARNING,
              () -> who + ": server " + server + " unreachable, retrying: " + e.getMessage());
          return;
        }
      }
    }
    LOG.log(Level.DEBUG, () -> who + ": server still unreachable: " + e.getMessage());
  }

  /** A call reached the server (whatever it answered). */
  void up() {
    if (down) {
      synchronized (this) {
        if (down) {
          down = false;
          long ms = (System.nanoTime() - downSince) / 1_000_000;
          LOG.log(
              Level.INFO,
              () -> who + ": server " + server + " reachable again after " + ms + " ms");
        }
      }
    }
  }

  boolean isDown() {
    return down;
  }
}
