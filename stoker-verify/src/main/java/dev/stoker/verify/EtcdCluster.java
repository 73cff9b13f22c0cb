package dev.stoker.verify;

import dev.stoker.testkit.EtcdTemp;
import java.util.List;

/**
 * The etcd backend under test: a throwaway 3-member etcd cluster ({@code bin/etcd-cluster}, through
 * {@link EtcdTemp}) and {@link #NODES} {@code stoker serve --store etcd} processes over it, with a
 * short session TTL so that the sweeping role moves on soon after the elected server is killed. A
 * server kill or pause hits one Stoker process; a "database" kill SIGKILLs one etcd member — the
 * leader every other time, so that elections happen under load — and starts it again on its ports
 * and data.
 */
final class EtcdCluster extends SharedStoreCluster {
  private static final String PREFIX = "/verify";

  private EtcdTemp etcd;
  private int memberKills;
  private int downMember;

  @Override
  void startDatabase() {
    etcd = EtcdTemp.start(3);
  }

  @Override
  public String data() {
    return "empty data: a new 3-member etcd at " + etcd.endpoints() + " (deleted at the end)";
  }

  @Override
  List<String> storeArgs() {
    return List.of(
        "--store",
        "etcd",
        "--etcd",
        etcd.endpoints(),
        "--etcd-prefix",
        PREFIX,
        "--etcd-session-ttl-s",
        "2");
  }

  /** SIGKILL of one etcd member: the leader on every other kill, else the next member in turn. */
  @Override
  public void killDatabase() {
    memberKills++;
    downMember = memberKills % 2 == 1 ? etcd.leader() : 1 + memberKills / 2 % 3;
    etcd.kill(downMember);
  }

  @Override
  public void restartDatabase() {
    etcd.restart(downMember);
    etcd.waitHealthy();
  }

  @Override
  void closeDatabase() {
    if (etcd != null) {
      etcd.close();
    }
  }
}
