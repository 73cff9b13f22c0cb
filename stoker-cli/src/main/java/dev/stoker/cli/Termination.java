package dev.stoker.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Runs a graceful stop once, on SIGTERM or SIGINT (then the command exits 0, not 143) or on any
 * other JVM exit, and lets the command wait for it.
 */
final class Termination {
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Runnable stop;

  private Termination(Runnable stop) {
    this.stop = stop;
  }

  /** Installs {@code stop} to run on SIGTERM, SIGINT or JVM exit, whichever comes first. */
  static Termination install(Runnable stop) {
    Termination t = new Termination(stop);
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name), sig -> Thread.ofPlatform().name("stoker-stop").start(t::stopNow));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  t.stopNow();
                  t.await();
                },
                "stoker-stop-hook"));
    return t;
  }

  /** Runs the stop now (once), as a signal would. */
  void stopNow() {
    if (stopping.compareAndSet(false, true)) {
      try {
        stop.run();
      } finally {
        stopped.countDown();
      }
    }
  }

  /** Waits until the stop has run. */
  void await() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
