package dev.stoker.store.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How to reach etcd and how this server uses it.
 *
 * @param endpoints the client URLs of the cluster's members ({@code http://host:2379})
 * @param prefix every key Stoker writes starts with it, so several installations can share a
 *     cluster
 * @param sessionTtl the TTL of this server's etcd lease: how long its locks outlive it (whole
 *     seconds, at least 2)
 * @param sweepInterval how often the elected server looks for delayed tasks falling due, leases
 *     running out, vanished locks and tasks past retention
 * @param requestTimeout how long one call to etcd may take before the request gets a 503
 * @param maxTxnOps the most operations in one etcd transaction (etcd's {@code --max-txn-ops}, 128
 *     by default)
 */
public record EtcdConfig(
    List<URI> endpoints,
    String prefix,
    Duration sessionTtl,
    Duration sweepInterval,
    Duration requestTimeout,
    int maxTxnOps) {

  public static final String DEFAULT_PREFIX = "/stoker";

  public EtcdConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint given");
    }
    for (URI u : endpoints) {
      if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException("an etcd endpoint is http://HOST:PORT, was '" + u + "'");
      }
    }
    if (prefix == null || !prefix.startsWith("/") || prefix.length() < 2) {
      throw new IllegalArgumentException(
          "the etcd key prefix must start with / and name something, was '" + prefix + "'");
    }
    if (sessionTtl.toSeconds() < 2 || sessionTtl.toSeconds() > 3600) {
      throw new IllegalArgumentException(
          "the session TTL must be 2-3600 s, was " + sessionTtl.toSeconds() + " s");
    }
    if (sweepInterval.toMillis() < 10 || sweepInterval.toMillis() > 60_000) {
      throw new IllegalArgumentException(
          "the sweep interval must be 10-60000 ms, was " + sweepInterval.toMillis());
    }
    if (requestTimeout.toMillis() < 100) {
      throw new IllegalArgumentException(
          "the request timeout must be at least 100 ms, was " + requestTimeout.toMillis());
    }
    if (maxTxnOps < 16) {
      throw new IllegalArgumentException("max txn ops must be at least 16, was " + maxTxnOps);
    }
  }

  /** The endpoints as a comma-separated list of URLs, with the defaults for everything else. */
  public static EtcdConfig of(String endpoints) {
    List<URI> uris;
    try {
      uris =
          Arrays.stream(endpoints.split(","))
              .map(String::strip)
              .filter(s -> !s.isEmpty())
              .map(URI::create)
              .toList();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the etcd endpoints are comma-separated http://HOST:PORT URLs: " + e.getMessage());
    }
    return new EtcdConfig(
        uris,
        DEFAULT_PREFIX,
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        128);
  }

  public EtcdConfig withPrefix(String p) {
    return new EtcdConfig(endpoints, p, sessionTtl, sweepInterval, requestTimeout, maxTxnOps);
  }

  public EtcdConfig withSessionTtl(Duration ttl) {
    return new EtcdConfig(endpoints, prefix, ttl, sweepInterval, requestTimeout, maxTxnOps);
  }

  public EtcdConfig withSweepInterval(Duration d) {
    return new EtcdConfig(endpoints, prefix, sessionTtl, d, requestTimeout, maxTxnOps);
  }

  public EtcdConfig withRequestTimeout(Duration d) {
    return new EtcdConfig(endpoints, prefix, sessionTtl, sweepInterval, d, maxTxnOps);
  }

  public EtcdConfig withMaxTxnOps(int n) {
    return new EtcdConfig(endpoints, prefix, sessionTtl, sweepInterval, requestTimeout, n);
  }
}
