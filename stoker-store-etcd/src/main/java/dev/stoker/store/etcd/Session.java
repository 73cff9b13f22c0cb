package dev.stoker.store.etcd;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's etcd lease: one for the whole server, kept alive while it lives (ADR-0006). The
 * locks of the claims it serves are bound to it, so they vanish when the server dies (or stalls
 * past the TTL), and the election of the sweeping server is held under it.
 *
 * <p>jetcd reports a lost lease as the end of the keep-alive stream (its local deadline passed) or
 * as an error; either way the lease is forgotten and the next caller grants a new one. Locks bound
 * to the old lease are gone by then; the fencing compares make sure nothing acts on them.
 */
final class Session implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private final Etcd etcd;
  private final Lease leases;
  private final long ttlSeconds;
  private long id;
  private CloseableClient keepAlive;
  private boolean closed;

  Session(Etcd etcd, long ttlSeconds) {
    this.etcd = etcd;
    this.leases = etcd.client().getLeaseClient();
    this.ttlSeconds = ttlSeconds;
  }

  /** The live lease, granted now if there is none. */
  synchronized long id() {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
    if (id == 0) {
      long granted = etcd.await(leases.grant(ttlSeconds), "lease grant").getID();
      id = granted;
      keepAlive =
          leases.keepAlive(
              granted,
              new StreamObserver<LeaseKeepAliveResponse>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                  if (r.getTTL() <= 0) {
                    lost(granted, "TTL 0");
                  }
                }

                @Override
                public void onError(Throwable t) {
                  lost(granted, t.getMessage());
                }

                @Override
                public void onCompleted() {
                  lost(granted, "keep-alive ended");
                }
              });
    }
    return id;
  }

  /**
   * Forgets {@code lease} if it is still the current one (a put said it is not found, or keep-alive
   * ended).
   */
  synchronized void lost(long lease, String why) {
    if (id == lease && lease != 0) {
      log.warn(
          "etcd lease {} lost ({}); the next claim takes a new one", Long.toHexString(lease), why);
      id = 0;
      if (keepAlive != null) {
        keepAlive.close();
        keepAlive = null;
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (keepAlive != null) {
      keepAlive.close();
    }
    if (id != 0) {
      try {
        etcd.await(leases.revoke(id), "lease revoke");
      } catch (RuntimeException e) {
        // it expires by itself
      }
      id = 0;
    }
  }
}
