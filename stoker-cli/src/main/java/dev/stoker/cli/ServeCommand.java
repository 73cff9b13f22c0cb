package dev.stoker.cli;

import dev.stoker.core.Clock;
import dev.stoker.core.Limits;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskStore;
import dev.stoker.server.StokerServer;
import dev.stoker.store.embedded.EmbeddedStore;
import dev.stoker.store.etcd.EtcdConfig;
import dev.stoker.store.etcd.EtcdStore;
import dev.stoker.store.postgres.PostgresConfig;
import dev.stoker.store.postgres.PostgresStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stoker serve}: the server on the embedded store, on PostgreSQL, or on etcd. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the Stoker server: the HTTP API on the embedded durable store,",
      "on PostgreSQL (any number of Stoker servers over one database),",
      "or on etcd (any number of Stoker servers over one etcd cluster).",
      "Every option can also be set by the environment variable named after it."
    },
    footerHeading = "%nSignals:%n",
    footer = {
      "  SIGTERM/SIGINT drain: waiting claims return, in-flight requests finish, the store syncs and closes."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:STOKER_LISTEN:-127.0.0.1:7654}",
      description = "Address to listen on (env STOKER_LISTEN). Default: ${DEFAULT-VALUE}")
  String listen;

  @Option(
      names = "--store",
      paramLabel = "KIND",
      defaultValue = "${env:STOKER_STORE:-embedded}",
      description =
          "Where tasks are kept: embedded, postgres or etcd (env STOKER_STORE). Default: ${DEFAULT-VALUE}")
  String storeKind;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      defaultValue = "${env:STOKER_DATA:-./stoker-data}",
      description = "Directory of the embedded store (env STOKER_DATA). Default: ${DEFAULT-VALUE}")
  Path data;

  @Option(
      names = "--pg-url",
      paramLabel = "JDBC-URL",
      defaultValue = "${env:STOKER_PG_URL}",
      description =
          "With --store postgres: the database, as a JDBC URL, e.g. "
              + "jdbc:postgresql://HOST:5432/DB?user=U&password=P (env STOKER_PG_URL)")
  String pgUrl;

  @Option(
      names = "--pg-schema",
      paramLabel = "NAME",
      defaultValue = "${env:STOKER_PG_SCHEMA:-stoker}",
      description =
          "With --store postgres: the schema of Stoker's tables, created and migrated at start-up "
              + "(env STOKER_PG_SCHEMA). Default: ${DEFAULT-VALUE}")
  String pgSchema;

  @Option(
      names = "--pg-pool-size",
      paramLabel = "N",
      defaultValue = "${env:STOKER_PG_POOL_SIZE:-16}",
      description =
          "With --store postgres: the most database connections of this server "
              + "(env STOKER_PG_POOL_SIZE). Default: ${DEFAULT-VALUE}")
  int pgPoolSize;

  @Option(
      names = "--pg-connection-timeout-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_PG_CONNECTION_TIMEOUT_MS:-2000}",
      description =
          "With --store postgres: how long a request waits for a database connection before its 503 "
              + "while the database is down; 250-300000 (env STOKER_PG_CONNECTION_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  long pgConnectionTimeoutMs;

  @Option(
      names = "--pg-sweep-interval-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_PG_SWEEP_INTERVAL_MS:-1000}",
      description =
          "With --store postgres: how often this server looks for delayed tasks falling due, leases "
              + "running out and tasks past retention; 10-60000 (env STOKER_PG_SWEEP_INTERVAL_MS). "
              + "Default: ${DEFAULT-VALUE}")
  long pgSweepIntervalMs;

  @Option(
      names = "--etcd",
      paramLabel = "URLS",
      defaultValue = "${env:STOKER_ETCD}",
      description =
          "With --store etcd: the etcd members' client URLs, comma-separated, e.g. "
              + "http://h1:2379,http://h2:2379,http://h3:2379 (env STOKER_ETCD)")
  String etcdEndpoints;

  @Option(
      names = "--etcd-prefix",
      paramLabel = "PREFIX",
      defaultValue = "${env:STOKER_ETCD_PREFIX:-/stoker}",
      description =
          "With --store etcd: the prefix of every key Stoker writes, so installations can share a "
              + "cluster (env STOKER_ETCD_PREFIX). Default: ${DEFAULT-VALUE}")
  String etcdPrefix;

  @Option(
      names = "--etcd-session-ttl-s",
      paramLabel = "S",
      defaultValue = "${env:STOKER_ETCD_SESSION_TTL_S:-10}",
      description =
          "With --store etcd: the TTL of this server's etcd lease, how long the locks of the claims it "
              + "served outlive it; 2-3600 (env STOKER_ETCD_SESSION_TTL_S). Default: ${DEFAULT-VALUE}")
  long etcdSessionTtlS;

  @Option(
      names = "--etcd-timeout-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_ETCD_TIMEOUT_MS:-5000}",
      description =
          "With --store etcd: how long one call to etcd may take before the request gets a 503 "
              + "(env STOKER_ETCD_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  long etcdTimeoutMs;

  @Option(
      names = "--etcd-sweep-interval-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_ETCD_SWEEP_INTERVAL_MS:-1000}",
      description =
          "With --store etcd: how often the elected server looks for delayed tasks falling due, leases "
              + "running out, abandoned claims and tasks past retention; 10-60000 (env STOKER_ETCD_SWEEP_INTERVAL_MS). "
              + "Default: ${DEFAULT-VALUE}")
  long etcdSweepIntervalMs;

  @Option(
      names = "--node-id",
      paramLabel = "N",
      defaultValue = "${env:STOKER_NODE_ID}",
      description =
          "This node's id, part of every task id (env STOKER_NODE_ID). Embedded: 0-65535, default 0. "
              + "Postgres: 0-65534, default: the next one the database hands out, so servers differ. "
              + "Etcd: 0-65535, default: the next one etcd hands out.")
  Integer nodeId;

  @Option(
      names = "--cluster",
      defaultValue = "${env:STOKER_CLUSTER:-false}",
      description =
          "Run as one node of an AP cluster (docs/backends/cluster.md): needs --node-id and --peers, "
              + "the embedded store (env STOKER_CLUSTER=true).")
  boolean cluster;

  @Option(
      names = "--cluster-key-file",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_CLUSTER_KEY_FILE}",
      description =
          "With --cluster: a file holding the secret (at least 32 bytes) every node of the cluster is "
              + "given, the same file on every node: any node then checks the lease tokens any node gave out, and "
              + "only holders of it can talk as peers. Required with --tokens (env STOKER_CLUSTER_KEY_FILE).")
  java.nio.file.Path clusterKeyFile;

  @Option(
      names = "--peers",
      paramLabel = "ID=URL,...",
      defaultValue = "${env:STOKER_PEERS}",
      description =
          "With --cluster: every other node, as its node id and the URL this node reaches it at, "
              + "e.g. 2=http://10.0.0.2:7654,3=http://10.0.0.3:7654 (env STOKER_PEERS). Every node must be "
              + "started with the same set of ids.")
  String peers;

  @Option(
      names = "--steal-delay-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_STEAL_DELAY_MS:-10000}",
      description =
          "With --cluster: after this long without contact a node is unreachable and its designated "
              + "stealer hands out its pending tasks; 100-3600000 (env STOKER_STEAL_DELAY_MS). Default: ${DEFAULT-VALUE}")
  long stealDelayMs;

  @Option(
      names = "--max-offset-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_MAX_OFFSET_MS:-500}",
      description =
          "With --cluster: the largest difference assumed between two nodes' wall clocks; a lease ends "
              + "only when now - max_offset > expires_at; 0-60000 (env STOKER_MAX_OFFSET_MS). Default: ${DEFAULT-VALUE}")
  long maxOffsetMs;

  @Option(
      names = "--rejoin",
      defaultValue = "${env:STOKER_REJOIN:-false}",
      description =
          "With --cluster: this node's data directory was lost or replaced; take its own events back "
              + "from the peers before serving, instead of refusing to serve (env STOKER_REJOIN=true).")
  boolean rejoin;

  @Option(
      names = "--max-body-bytes",
      paramLabel = "BYTES",
      defaultValue = "${env:STOKER_MAX_BODY_BYTES:-8388608}",
      description =
          "Largest request body; larger gets 413 (env STOKER_MAX_BODY_BYTES). Default: ${DEFAULT-VALUE}")
  int maxBodyBytes;

  @Option(
      names = "--max-params-bytes",
      paramLabel = "BYTES",
      defaultValue = "${env:STOKER_MAX_PARAMS_BYTES:-1048576}",
      description =
          "Largest params or result of one task, as JSON (env STOKER_MAX_PARAMS_BYTES). "
              + "Default: ${DEFAULT-VALUE}")
  int maxParamsBytes;

  @Option(
      names = "--max-header-bytes",
      paramLabel = "BYTES",
      defaultValue = "${env:STOKER_MAX_HEADER_BYTES:-16384}",
      description =
          "Largest request head; larger gets 400 (env STOKER_MAX_HEADER_BYTES). Default: ${DEFAULT-VALUE}")
  int maxHeaderBytes;

  @Option(
      names = "--read-timeout-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_READ_TIMEOUT_MS:-75000}",
      description =
          "A connection idle this long, or a request whose headers or body take longer to "
              + "arrive, is closed (env STOKER_READ_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  long readTimeoutMs;

  @Option(
      names = "--shutdown-grace-ms",
      paramLabel = "MS",
      defaultValue = "${env:STOKER_SHUTDOWN_GRACE_MS:-10000}",
      description =
          "How long in-flight requests may take on shutdown (env STOKER_SHUTDOWN_GRACE_MS). "
              + "Default: ${DEFAULT-VALUE}")
  long shutdownGraceMs;

  @Mixin SecurityOptions security;

  @Mixin EtcdAccessOptions etcdAccess;

  @Spec CommandSpec spec;

  /** Set once a cluster node listens: from then on a refusal to serve ends the process. */
  private volatile boolean serving;

  @Override
  public Integer call() {
    Listen at = Listen.parse(listen);
    if (at == null) {
      throw usage("--listen must be HOST:PORT with a port of 0-65535, was '" + listen + "'");
    }
    if (maxParamsBytes < 1 || maxBodyBytes <= maxParamsBytes) {
      throw usage(
          "--max-body-bytes must be larger than --max-params-bytes (a task's params must fit in a body)");
    }
    if (!storeKind.equals("embedded")
        && !storeKind.equals("postgres")
        && !storeKind.equals("etcd")) {
      throw usage("--store must be embedded, postgres or etcd, was '" + storeKind + "'");
    }
    boolean postgres = storeKind.equals("postgres");
    int maxNode = postgres ? 0xFFFE : 0xFFFF;
    if (nodeId != null && (nodeId < 0 || nodeId > maxNode)) {
      throw usage("--node-id must be 0-" + maxNode + ", was " + nodeId);
    }
    PostgresConfig pg = null;
    if (postgres) {
      if (pgUrl == null || pgUrl.isBlank()) {
        throw usage("--store postgres needs --pg-url (or STOKER_PG_URL)");
      }
      try {
        pg =
            PostgresConfig.of(pgUrl)
                .withSchema(pgSchema)
                .withPoolSize(pgPoolSize)
                .withConnectionTimeout(Duration.ofMillis(pgConnectionTimeoutMs))
                .withSweepInterval(Duration.ofMillis(pgSweepIntervalMs));
      } catch (IllegalArgumentException e) {
        throw usage(flagged(e.getMessage()));
      }
    }
    EtcdConfig etcd = storeKind.equals("etcd") ? etcdConfig() : null;
    StokerServer.Security sec;
    try {
      sec = security.security();
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    java.util.Map<Integer, java.net.URI> peerUrls = null;
    ClusterKey clusterKey = null;
    if (cluster) {
      peerUrls = clusterPeers(sec);
      clusterKey = clusterKey(peerUrls);
    }
    TaskStore store;
    String where;
    try {
      if (etcd != null) {
        EtcdStore es =
            EtcdStore.open(
                etcd, nodeClock(), nodeId != null ? nodeId : -1, RandomGenerator.getDefault());
        store = es;
        where = "etcd, " + es.describe();
      } else if (postgres) {
        PostgresStore ps =
            PostgresStore.open(
                pg, null, nodeId != null ? nodeId : -1, RandomGenerator.getDefault());
        store = ps;
        where = "PostgreSQL, " + ps.describe();
      } else if (cluster) {
        store =
            EmbeddedStore.openCluster(
                data, nodeClock(), nodeId, RandomGenerator.getDefault(), maxOffsetMs);
        where =
            "data in "
                + data.toAbsolutePath().normalize()
                + "; cluster node "
                + nodeId
                + " of "
                + (peerUrls.size() + 1);
      } else {
        store =
            EmbeddedStore.open(
                data, nodeClock(), nodeId != null ? nodeId : 0, RandomGenerator.getDefault());
        where = "data in " + data.toAbsolutePath().normalize();
      }
    } catch (StoreUnavailableException | IllegalArgumentException e) {
      // IllegalArgumentException: key material that cannot be read or parsed, as with --tls-key.
      System.err.println("stoker: " + e.getMessage());
      return 1;
    }
    ClusterNode node = null;
    if (cluster) {
      node = startNode((EmbeddedStore) store, peerUrls, clusterKey);
      if (node == null) {
        store.close();
        return 3;
      }
    }
    StokerServer server;
    try {
      StokerServer.Config config =
          new StokerServer.Config(
              at.host(),
              at.port(),
              maxBodyBytes,
              maxHeaderBytes,
              new Limits(maxParamsBytes),
              Duration.ofMillis(readTimeoutMs),
              Duration.ofMillis(shutdownGraceMs),
              sec);
      // In a cluster every node signs lease tokens with the cluster's key, so any node checks any
      // token.
      server =
          clusterKey != null
              ? StokerServer.start(store, clusterKey.leaseTokenKey(), config)
              : StokerServer.start(store, config);
    } catch (IllegalArgumentException e) {
      closeNode(node);
      store.close();
      System.err.println("stoker: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      closeNode(node);
      store.close();
      System.err.println("stoker: cannot listen on " + listen + ": " + e.getMessage());
      return 1;
    }
    if (node != null) {
      server.cluster(node);
      serving = true;
      if (!node.running()) { // refused while the server started
        node.close();
        server.close();
        store.close();
        return 3;
      }
    }
    ClusterNode running = node;
    Termination termination =
        Termination.install(
            () -> {
              log.info("shutting down: draining requests");
              closeNode(running);
              server.close();
              store.close();
              log.info("stopped; the store is closed");
            });
    log.info(
        "Stoker listening on {}://{}:{} ({}; {})",
        server.tls() ? "https" : "http",
        at.host(),
        server.port(),
        where,
        sec.tokensFile() == null ? "open: no tokens required" : "tokens from " + sec.tokensFile());
    termination.await();
    return 0;
  }

  private EtcdConfig etcdConfig() {
    if (etcdEndpoints == null || etcdEndpoints.isBlank()) {
      throw usage(
          "--store etcd needs --etcd (or STOKER_ETCD): the members' client URLs, comma-separated");
    }
    try {
      EtcdConfig config =
          EtcdConfig.of(etcdEndpoints)
              .withPrefix(etcdPrefix)
              .withSessionTtl(Duration.ofSeconds(etcdSessionTtlS))
              .withRequestTimeout(Duration.ofMillis(etcdTimeoutMs))
              .withSweepInterval(Duration.ofMillis(etcdSweepIntervalMs));
      return etcdAccess.apply(config, System.getenv(EtcdAccessOptions.PASSWORD_ENV));
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage().startsWith("--") ? e.getMessage() : etcdFlagged(e.getMessage()));
    }
  }

  private static String etcdFlagged(String message) {
    if (message.startsWith("the etcd key prefix")) {
      return "--etcd-prefix: " + message;
    }
    if (message.startsWith("the session TTL")) {
      return "--etcd-session-ttl-s: " + message;
    }
    if (message.startsWith("the sweep interval")) {
      return "--etcd-sweep-interval-ms: " + message;
    }
    if (message.startsWith("the request timeout")) {
      return "--etcd-timeout-ms: " + message;
    }
    return "--etcd: " + message;
  }

  /** Checks the cluster flags; returns the peers by node id. */
  private java.util.Map<Integer, java.net.URI> clusterPeers(StokerServer.Security sec) {
    if (!storeKind.equals("embedded")) {
      throw usage(
          "--cluster runs on the embedded store; --store "
              + storeKind
              + " is already many servers over one "
              + (storeKind.equals("etcd") ? "etcd cluster" : "database"));
    }
    if (nodeId == null) {
      throw usage("--cluster needs --node-id (or STOKER_NODE_ID)");
    }
    if (sec.tokensFile() != null && clusterKeyFile == null) {
      throw usage(
          "--cluster with --tokens needs --cluster-key-file (or STOKER_CLUSTER_KEY_FILE): the secret "
              + "that signs lease tokens and the exchanges between nodes, the same file on every node");
    }
    if (stealDelayMs < 100 || stealDelayMs > 3_600_000) {
      throw usage("--steal-delay-ms must be 100-3600000, was " + stealDelayMs);
    }
    if (maxOffsetMs < 0 || maxOffsetMs > 60_000) {
      throw usage("--max-offset-ms must be 0-60000, was " + maxOffsetMs);
    }
    if (peers == null || peers.isBlank()) {
      throw usage("--cluster needs --peers ID=URL,... (or STOKER_PEERS)");
    }
    java.util.Map<Integer, java.net.URI> urls = new java.util.TreeMap<>();
    for (String entry : peers.split(",")) {
      int eq = entry.indexOf('=');
      Integer id = null;
      java.net.URI url = null;
      try {
        id = Integer.valueOf(entry.substring(0, Math.max(eq, 0)).trim());
        url = new java.net.URI(entry.substring(eq + 1).trim());
      } catch (NumberFormatException | java.net.URISyntaxException e) {
        // refused below
      }
      if (id == null
          || id < 0
          || id > 0xFFFF
          || url == null
          || url.getHost() == null
          || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
        throw usage(
            "--peers: each entry must be NODE-ID=http://HOST:PORT with a node id of 0-65535, was '"
                + entry
                + "'");
      }
      if (id.equals(nodeId)) {
        throw usage("--peers must not list this node (" + nodeId + ")");
      }
      if (urls.put(id, url) != null) {
        throw usage("--peers lists node " + id + " twice");
      }
    }
    return urls;
  }

  /**
   * The wall clock this server judges run_at, leases and retention by, and stamps its HLC from.
   * TEST ONLY: {@code -Dstoker.test.clock-offset-ms=N} (a long, may be negative; read once at
   * start-up) runs it N ms off the machine's clock, so that a test or {@code stoker verify}'s skew
   * fault gives one node of a cluster a wrong clock (docs/backends/cluster.md, "Clock skew").
   */
  private static Clock nodeClock() {
    String text = System.getProperty("stoker.test.clock-offset-ms");
    if (text == null) {
      return Clock.system();
    }
    long offset;
    try {
      offset = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-Dstoker.test.clock-offset-ms must be a whole number of ms, was '" + text + "'");
    }
    log.warn(
        "TEST ONLY: this server's clock runs {} ms off the machine's (-Dstoker.test.clock-offset-ms)",
        offset);
    return () -> System.currentTimeMillis() + offset;
  }

  /**
   * The cluster's shared secret, from --cluster-key-file, or the public stand-in of an open
   * cluster.
   */
  private ClusterKey clusterKey(java.util.Map<Integer, java.net.URI> peerUrls) {
    if (clusterKeyFile != null) {
      try {
        return ClusterKey.read(clusterKeyFile);
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
    log.warn(
        "no --cluster-key-file: lease tokens and peer exchanges are signed with a key derived from the node "
            + "ids, which anyone who knows them can make (fine for an open cluster on a trusted network only)");
    java.util.Set<Integer> members = new java.util.TreeSet<>(peerUrls.keySet());
    members.add(nodeId);
    return ClusterKey.unkeyed(members);
  }

  /**
   * Starts the links to the peers. A node whose data directory is new waits (at most a steal_delay)
   * to hear from a peer before it serves, so that it learns whether the cluster already holds
   * events of its own log: then the directory was lost or replaced, and it refuses to serve (null).
   */
  private ClusterNode startNode(
      EmbeddedStore store, java.util.Map<Integer, java.net.URI> peerUrls, ClusterKey key) {
    dev.stoker.cluster.ClusterConfig config =
        new dev.stoker.cluster.ClusterConfig(
            Math.min(1_000, stealDelayMs), stealDelayMs, maxOffsetMs);
    java.util.concurrent.CountDownLatch behind = new java.util.concurrent.CountDownLatch(1);
    ClusterNode node =
        new ClusterNode(
            store.replication(),
            peerUrls,
            config,
            key,
            () -> {
              System.err.println(
                  "stoker: the cluster holds events of node "
                      + nodeId
                      + " that "
                      + data
                      + " lacks (a new or old data directory): refusing to serve");
              behind.countDown();
              if (serving) {
                Thread.ofPlatform()
                    .start(() -> System.exit(3)); // already listening: stop serving at once
              }
            });
    node.rejoin(rejoin);
    node.start();
    if (rejoin) {
      log.info("rejoining: taking this node's own events back from its peers before serving");
      while (!node.heardFromAnyPeer() || store.replication().behindPeers() > 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          node.close();
          return null;
        }
      }
      node.rejoin(false);
      log.info(
          "rejoined: this node's log holds {} events of its own",
          store.replication().vector().get(nodeId));
    }
    boolean fresh =
        store.replication().incarnation() == 1 && store.replication().vector().marks().isEmpty();
    long until =
        System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(stealDelayMs);
    while (fresh
        && !node.heardFromAnyPeer()
        && System.nanoTime() < until
        && behind.getCount() > 0) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (behind.getCount() == 0) {
      node.close();
      return null;
    }
    return node;
  }

  private static void closeNode(ClusterNode node) {
    if (node != null) {
      node.close();
    }
  }

  /** The config's message with the flag it is about, so the user knows what to change. */
  private static String flagged(String message) {
    if (message.startsWith("the connection timeout")) {
      return "--pg-connection-timeout-ms: " + message;
    }
    if (message.startsWith("the sweep interval")) {
      return "--pg-sweep-interval-ms: " + message;
    }
    return message;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** A {@code HOST:PORT} pair. */
  record Listen(String host, int port) {
    /** The pair, or null when {@code s} is not one. */
    static Listen parse(String s) {
      int colon = s.lastIndexOf(':');
      try {
        if (colon > 0) {
          int port = Integer.parseInt(s.substring(colon + 1));
          if (port >= 0 && port <= 65535) {
            return new Listen(s.substring(0, colon).replace("[", "").replace("]", ""), port);
          }
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      return null;
    }
  }
}
