package dev.stoker.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign for the sweeping role: one server at a time, elected through etcd's election API
 * under its session lease, sweeps every queue every interval (what other servers wrote, what dead
 * ones left). When the leader dies its lease expires, its election key with it, and the next
 * campaigner wins.
 */
final class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  private final Etcd etcd;
  private final Keys keys;
  private final Session session;
  private final int node;
  private final Sweeper sweeper;
  private final long intervalMs;
  private final Thread thread;
  private volatile boolean closed;

  Leadership(Etcd etcd, Keys keys, Session session, int node, Sweeper sweeper, long intervalMs) {
    this.etcd = etcd;
    this.keys = keys;
    this.session = session;
    this.node = node;
    this.sweeper = sweeper;
    this.intervalMs = intervalMs;
    this.thread = Thread.ofPlatform().daemon().name("stoker-etcd-sweeper").unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  private void run() {
    Election election = etcd.client().getElectionClient();
    boolean failing = false;
    while (!closed) {
      LeaderKey key = null;
      try {
        long lease = session.id();
        key = campaign(election, lease);
        if (key == null) {
          continue; // closed, or the lease went while campaigning
        }
        log.info("node {} is the sweeping server", node);
        while (!closed && session.id() == lease) {
          sweeper.sweep(true);
          if (failing) {
            log.info("etcd is reachable again");
            failing = false;
          }
          Thread.sleep(intervalMs);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!failing && !closed) {
          log.warn("sweep failed: {}", e.getMessage());
        }
        failing = true;
        pause();
      } finally {
        if (key != null && !closed) {
          resign(election, key);
        }
      }
    }
  }

  /** Campaigns until elected; null when the store closes or the lease is lost first. */
  private LeaderKey campaign(Election election, long lease) throws InterruptedException {
    CompletableFuture<CampaignResponse> f =
        election.campaign(
            keys.election(),
            lease,
            ByteSequence.from(Integer.toString(node), java.nio.charset.StandardCharsets.UTF_8));
    while (!closed) {
      try {
        return f.get(500, TimeUnit.MILLISECONDS).getLeader();
      } catch (TimeoutException e) {
        if (session.id() != lease) {
          f.cancel(true);
          return null;
        }
      } catch (ExecutionException e) {
        throw Etcd.unavailable(e.getCause());
      }
    }
    f.cancel(true);
    return null;
  }

  private void resign(Election election, LeaderKey key) {
    try {
      etcd.await(election.resign(key), "resign");
    } catch (RuntimeException e) {
      // the key goes with the lease
    }
  }

  private void pause() {
    try {
      Thread.sleep(Math.max(100, intervalMs));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
