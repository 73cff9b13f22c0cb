package dev.stoker.store.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How to reach etcd and how this server uses it.
 *
 * @param endpoints the client URLs of the cluster's members ({@code http://host:2379}, or all
 *     {@code https://host:2379} for TLS)
 * @param prefix every key Stoker writes starts with it, so several installations can share a
 *     cluster
 * @param sessionTtl the TTL of this server's etcd lease: how long its locks outlive it (whole
 *     seconds, at least 2)
 * @param sweepInterval how often the elected server looks for delayed tasks falling due, leases
 *     running out, vanished locks and tasks past retention
 * @param requestTimeout how long one call to etcd may take before the request gets a 503
 * @param maxTxnOps the most operations in one etcd transaction (etcd's {@code --max-txn-ops}, 128
 *     by default)
 * @param tls how to reach https:// endpoints, or null for http:// ones (https:// endpoints without
 *     it are reached with the JVM's default trust store and no client certificate)
 * @param auth the etcd user to log in as, or null when the cluster's authentication is off
 */
public record EtcdConfig(
    List<URI> endpoints,
    String prefix,
    Duration sessionTtl,
    Duration sweepInterval,
    Duration requestTimeout,
    int maxTxnOps,
    EtcdTls tls,
    EtcdAuth auth) {

  public static final String DEFAULT_PREFIX = "/stoker";

  public EtcdConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint given");
    }
    for (URI u : endpoints) {
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          || u.getHost() == null
          || u.getPort() < 0) {
        throw new IllegalArgumentException(
            "an etcd endpoint is http://HOST:PORT or https://HOST:PORT, was '" + u + "'");
      }
      // One channel to all members, TLS or not: a mix would be a typo that half works.
      if (!u.getScheme().equals(endpoints.get(0).getScheme())) {
        throw new IllegalArgumentException(
            "the etcd endpoints mix http:// and https://: give every member the same scheme");
      }
    }
    boolean https = "https".equals(endpoints.get(0).getScheme());
    if (!https && tls != null) {
      throw new IllegalArgumentException(
          "the etcd CA and client certificate are for https:// endpoints; the endpoints are http://");
    }
    if (https && tls == null) {
      tls = EtcdTls.DEFAULT;
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
          "the etcd endpoints are comma-separated http(s)://HOST:PORT URLs: " + e.getMessage());
    }
    return new EtcdConfig(
        uris,
        DEFAULT_PREFIX,
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        128,
        null,
        null);
  }

  public EtcdConfig withPrefix(String p) {
    return new EtcdConfig(
        endpoints, p, sessionTtl, sweepInterval, requestTimeout, maxTxnOps, tls, auth);
  }

  public EtcdConfig withSessionTtl(Duration ttl) {
    return new EtcdConfig(
        endpoints, prefix, ttl, sweepInterval, requestTimeout, maxTxnOps, tls, auth);
  }

  public EtcdConfig withSweepInterval(Duration d) {
    return new EtcdConfig(endpoints, prefix, sessionTtl, d, requestTimeout, maxTxnOps, tls, auth);
  }

  public EtcdConfig withRequestTimeout(Duration d) {
    return new EtcdConfig(endpoints, prefix, sessionTtl, sweepInterval, d, maxTxnOps, tls, auth);
  }

  public EtcdConfig withMaxTxnOps(int n) {
    return new EtcdConfig(
        endpoints, prefix, sessionTtl, sweepInterval, requestTimeout, n, tls, auth);
  }

  /** TLS to the https:// endpoints: the CA to trust and, for mutual TLS, a client certificate. */
  public EtcdConfig withTls(EtcdTls t) {
    return new EtcdConfig(
        endpoints, prefix, sessionTtl, sweepInterval, requestTimeout, maxTxnOps, t, auth);
  }

  /** Logs in as this etcd user (the cluster's authentication is on). */
  public EtcdConfig withAuth(EtcdAuth a) {
    return new EtcdConfig(
        endpoints, prefix, sessionTtl, sweepInterval, requestTimeout, maxTxnOps, tls, a);
  }
}
