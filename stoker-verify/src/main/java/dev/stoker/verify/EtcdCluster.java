package dev.stoker.verify;

import dev.stoker.testkit.EtcdTemp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The etcd backend under test: a throwaway 3-member etcd cluster ({@code bin/etcd-cluster}, through
 * {@link EtcdTemp}) and {@link #NODES} {@code stoker serve --store etcd} processes over it, with a
 * short session TTL so that the sweeping role moves on soon after the elected server is killed. A server kill or pause hits
 * one Stoker process; a "database" kill SIGKILLs one etcd member — the leader every other time, so
 * that elections happen under load — and starts it again on its ports and data.
 */
final class EtcdCluster implements Cluster {
  static final int NODES = 2;
  private static final String PREFIX = "/verify";

  private final ServerProcess[] servers = new ServerProcess[NODES];
  private final int[] ports = new int[NODES];
  private EtcdTemp etcd;
  private int memberKills;
  private int downMember;

  @Override
  public void start() throws IOException {
    etcd = EtcdTemp.start(3);
    for (int i = 0; i < NODES; i++) {
      servers[i] = ServerProcess.start(storeArgs(), 0);
      ports[i] = servers[i].port();
    }
  }

  @Override
  public String data() {
    return "empty data: a new 3-member etcd at " + etcd.endpoints() + " (deleted at the end)";
  }

  private List<String> storeArgs() {
    return List.of("--store", "etcd", "--etcd", etcd.endpoints(), "--etcd-prefix", PREFIX,
        "--etcd-session-ttl-s", "2");
  }

  @Override
  public List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int port : ports) {
      urls.add("http://127.0.0.1:" + port);
    }
    return urls;
  }

  @Override
  public void kill(int i) throws InterruptedException {
    servers[i].kill();
  }

  @Override
  public void restart(int i) throws IOException {
    servers[i] = ServerProcess.start(storeArgs(), ports[i]);
  }

  @Override
  public void pause(int i) throws IOException, InterruptedException {
    servers[i].pause();
  }

  @Override
  public void resume(int i) throws IOException, InterruptedException {
    servers[i].resume();
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
  public void close() throws InterruptedException {
    for (ServerProcess s : servers) {
      if (s != null) {
        s.close();
      }
    }
    if (etcd != null) {
      etcd.close();
    }
  }
}
