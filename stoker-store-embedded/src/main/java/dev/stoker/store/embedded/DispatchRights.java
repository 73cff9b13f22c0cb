package dev.stoker.store.embedded;

/**
 * What this node may do with other nodes' tasks in cluster mode, decided by the cluster's dispatch
 * rules (dev.stoker.cluster.Dispatch) outside the store and read by the sequencer on every claim
 * and sweep. Must be cheap and thread-safe: an immutable snapshot the cluster side replaces when
 * the rights change.
 */
public interface DispatchRights {

  /** Nothing is handed out and no lease is judged: a node that has not heard from its peers yet. */
  DispatchRights NONE =
      new DispatchRights() {
        @Override
        public boolean mayHandOut(int home) {
          return false;
        }

        @Override
        public boolean judgesLeasesOf(int grantingNode) {
          return false;
        }

        @Override
        public boolean handsOutNothing() {
          return true;
        }
      };

  /** Everything is handed out and every lease judged: one node serving every home's tasks. */
  DispatchRights ALL =
      new DispatchRights() {
        @Override
        public boolean mayHandOut(int home) {
          return true;
        }

        @Override
        public boolean judgesLeasesOf(int grantingNode) {
          return true;
        }
      };

  /** A healthy node's rights: its own tasks and the leases it granted, nobody else's. */
  static DispatchRights only(int node) {
    return new DispatchRights() {
      @Override
      public boolean mayHandOut(int home) {
        return home == node;
      }

      @Override
      public boolean judgesLeasesOf(int grantingNode) {
        return grantingNode == node;
      }
    };
  }

  /** Whether this node may hand out a pending task whose home is {@code home}. */
  boolean mayHandOut(int home);

  /** Whether this node judges the expiry of leases granted by {@code grantingNode}. */
  boolean judgesLeasesOf(int grantingNode);

  /** Whether {@link #mayHandOut} is false for every home: a claim need not look at all. */
  default boolean handsOutNothing() {
    return false;
  }
}
