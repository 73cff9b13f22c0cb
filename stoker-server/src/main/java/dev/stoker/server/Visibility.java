package dev.stoker.server;

/**
 * Which queues a request may see. A task in a queue it may not see is answered exactly as a task
 * that does not exist (404), so a token learns nothing about queues beyond its patterns.
 */
interface Visibility {
  /** Everything: a server without tokens, or a token whose patterns include {@code *}. */
  Visibility ALL =
      new Visibility() {
        @Override
        public boolean all() {
          return true;
        }

        @Override
        public boolean sees(String queue) {
          return true;
        }
      };

  /** Whether every queue is visible, so tasks need not be looked up to be checked. */
  boolean all();

  boolean sees(String queue);
}
