package dev.stoker.store.etcd;

import java.util.function.BooleanSupplier;

/**
 * Starts something again in the background (a watch that ended), every half second while etcd does
 * not answer, until it starts or its owner closes.
 */
final class Restarts {
  static final long PAUSE_MS = 500;

  private Restarts() {}

  /**
   * On a virtual thread named {@code name}: runs {@code start} until it returns without throwing,
   * or {@code closed} is true.
   */
  static void inBackground(String name, BooleanSupplier closed, Runnable start) {
    Thread.ofVirtual()
        .name(name)
        .start(
            () -> {
              while (!closed.getAsBoolean()) {
                try {
                  start.run();
                  return;
                } catch (RuntimeException e) {
                  try {
                    Thread.sleep(PAUSE_MS);
                  } catch (InterruptedException ie) {
                    return;
                  }
                }
              }
            });
  }
}
