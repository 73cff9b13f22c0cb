package dev.stoker.store.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the schema's channel on a connection of its own and wakes this server's waiting claims
 * when any server (or a transactional enqueue in SQL) made a task of a queue claimable. Reconnects
 * when the connection breaks, and then wakes every waiter, since notifications sent meanwhile are
 * lost; waiting claims also look again every poll interval, so a missed notification costs latency,
 * never a task. The other servers' transition notices come on the same channel and go to {@link
 * Elsewhere}, which is told after a reconnect that some may be lost.
 */
final class Listener implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Listener.class);

  private final String url;
  private final String channel;
  private final Wakeups wakeups;
  private final Elsewhere elsewhere;
  private final Thread thread;
  private volatile boolean stopped;
  private volatile Connection current;

  Listener(String url, String channel, Wakeups wakeups, Elsewhere elsewhere) {
    this.url = url;
    this.channel = channel;
    this.wakeups = wakeups;
    this.elsewhere = elsewhere;
    this.thread = new Thread(this, "stoker-pg-listener");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    boolean wasDown = false;
    while (!stopped) {
      try (Connection c = DriverManager.getConnection(url, connectProps())) {
        current = c;
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + channel);
        }
        if (wasDown) {
          log.info("listening for wake-ups again");
          elsewhere.lost();
        }
        wasDown = false;
        wakeups.signalAll();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!stopped) {
          PGNotification[] ns = pg.getNotifications(500);
          if (ns != null) {
            for (PGNotification n : ns) {
              String payload = n.getParameter();
              if (TransitionNotices.isNotice(payload)) {
                elsewhere.notice(payload);
              } else {
                wakeups.signal(payload);
              }
            }
          }
        }
      } catch (SQLException e) {
        if (!stopped) {
          if (!wasDown) {
            log.warn(
                "lost the notification connection ({}); waiting claims poll until it is back",
                e.getMessage());
          }
          wasDown = true;
          pause();
        }
      }
    }
  }

  private static java.util.Properties connectProps() {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("connectTimeout", "5");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "stoker-listener");
    return p;
  }

  private void pause() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
  }

  void stop() {
    stopped = true;
    Connection c = current;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
    thread.interrupt();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
