package dev.stoker.bench;

import java.io.PrintStream;
import java.util.List;

/** Opens a peer from its {@code KIND=ADDRESS} spec (see {@link BenchConfig#peers()}). */
final class Peers {
  /** The kinds, in the order they run. */
  static final List<String> KINDS =
      List.of(
          "beanstalkd",
          "postgres",
          "rabbitmq",
          "nats",
          "etcd",
          "bullmq",
          "pgboss",
          "stoker-postgres",
          "stoker-etcd",
          "stoker-cluster");

  /**
   * The most tasks per phase for peers whose claim costs O(depth) (etcd 3.4's range over every
   * pending key, pg-boss's sort of every ready row): at 50,000 their phases would take tens of
   * minutes each (shared/peer-baselines.md measured them at 10,000 for the same reason). Their rows
   * show their own task count; rates per second stay comparable, and at a shallower queue they are,
   * if anything, flattered.
   */
  static final int O_DEPTH_CAP = 10_000;

  private Peers() {}

  /**
   * Opens the peer, or fails the run: a peer that cannot even be reached is a mistake in the setup.
   */
  static Peer open(String spec, BenchConfig config, PrintStream log, String params) {
    try {
      return connect(spec, config, log, params);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot open the peer " + spec + ": " + e, e);
    }
  }

  private static Peer connect(String spec, BenchConfig config, PrintStream log, String params)
      throws Exception {
    int eq = spec.indexOf('=');
    String kind = spec.substring(0, eq);
    String address = spec.substring(eq + 1);
    return switch (kind) {
      case "beanstalkd" -> new BeanstalkdPeer(config, log, params, address);
      case "postgres" -> new PostgresPeer(config, log, params, address);
      case "rabbitmq" -> new RabbitMqPeer(config, log, params, address);
      case "nats" -> new NatsPeer(config, log, params, address);
      case "etcd" -> new EtcdPeer(config.atMost(O_DEPTH_CAP), log, params, address);
      case "bullmq" -> NodePeer.bullmq(config, log, params, address);
      case "pgboss" -> NodePeer.pgboss(config.atMost(O_DEPTH_CAP), log, params, address);
      case "stoker-postgres" -> StokerPeer.postgres(address, config, log, params);
      case "stoker-etcd" -> StokerPeer.etcd(address, config, log, params);
      case "stoker-cluster" -> StokerPeer.cluster(address, config, log, params);
      default -> throw new IllegalArgumentException("no peer of kind " + kind);
    };
  }
}
