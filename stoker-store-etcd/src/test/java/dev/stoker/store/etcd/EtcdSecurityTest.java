package dev.stoker.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.core.Clock;
import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.TaskState;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.testkit.EtcdTemp;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.LeaseOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store over a real 3-member cluster that serves https:// and requires a client certificate
 * ({@code bin/etcd-cluster} with ETCD_TLS=1), one cluster for the class: mutual TLS, then with
 * etcd's authentication turned on (a user whose role may only use one prefix), the refusals of a
 * missing certificate, a wrong password and a prefix outside the role, each naming its cause.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdSecurityTest {
  private static final String Q = "q";
  private static final String USER = "stoker";
  private static final String PASSWORD = "pw-" + System.nanoTime();
  private static EtcdTemp cluster;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    cluster = EtcdTemp.startTls(3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static EtcdTls mutualTls() {
    Path d = cluster.tlsDir();
    return new EtcdTls(d.resolve("ca.pem"), d.resolve("client.pem"), d.resolve("client-key.pem"));
  }

  private static EtcdConfig config(String prefix) {
    return EtcdConfig.of(cluster.endpoints())
        .withPrefix(prefix)
        .withTls(mutualTls())
        .withSessionTtl(Duration.ofSeconds(2))
        .withRequestTimeout(Duration.ofSeconds(3));
  }

  private EtcdStore open(EtcdConfig config, int node) {
    EtcdStore s = EtcdStore.open(config, Clock.system(), node, new SplittableRandom(node));
    open.add(s);
    return s;
  }

  private static void enqueueClaimComplete(EtcdStore s) {
    Task t = s.taskEnqueueMany(Q, List.of(TaskSpec.of("t", "{}"))).get(0).task();
    Task c = s.taskClaimMany(new ClaimParams(Q, "w", 1, 60_000L, 0)).get(0);
    assertThat(c.id()).isEqualTo(t.id());
    assertThat(s.taskComplete(c.id(), c.lease().token(), "1")).isInstanceOf(Outcome.Ok.class);
    assertThat(s.taskGet(t.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);
  }

  @Test
  @Order(1)
  void over_mutual_tls_the_store_enqueues_claims_and_completes() {
    enqueueClaimComplete(open(config("/mtls"), 1));
  }

  @Test
  @Order(2)
  void without_the_client_certificate_or_the_ca_the_store_refuses_to_open_naming_tls() {
    Path ca = cluster.tlsDir().resolve("ca.pem");
    assertThatThrownBy(() -> open(config("/mtls").withTls(new EtcdTls(ca, null, null)), 1))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("TLS with etcd failed");
    // The JVM's trust store does not know the cluster's throwaway CA.
    assertThatThrownBy(() -> open(config("/mtls").withTls(EtcdTls.DEFAULT), 1))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("TLS with etcd failed");
  }

  @Test
  @Order(3)
  void a_key_file_that_is_no_pkcs8_key_is_refused_naming_it(@TempDir Path dir) throws Exception {
    Path notKey = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    Path d = cluster.tlsDir();
    assertThatThrownBy(
            () ->
                open(
                    config("/mtls")
                        .withTls(new EtcdTls(d.resolve("ca.pem"), d.resolve("client.pem"), notKey)),
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(notKey.toString())
        .hasMessageContaining("PKCS#8");
  }

  /**
   * With authentication on, two servers log in as a user whose role holds only their prefix: the
   * tasks go through both, one server's watch reports the other's transitions, the session lease of
   * the claiming server is kept alive past its TTL, and the elected server sweeps.
   */
  @Test
  @Order(4)
  void with_authentication_on_two_servers_work_watch_keep_their_lease_and_sweep() throws Exception {
    cluster.enableAuth(USER, PASSWORD, "/sec/");
    EtcdConfig config = config("/sec/a").withAuth(new EtcdAuth(USER, PASSWORD));
    EtcdStore a = open(config, 1);
    EtcdStore b = open(config, 2);
    ElsewhereWatchTest.Recorder seen = new ElsewhereWatchTest.Recorder();
    a.observe(seen);

    enqueueClaimComplete(a);
    Task t = b.taskEnqueueMany(Q, List.of(TaskSpec.of("t", "{}"))).get(0).task();
    assertThat(seen.next()).isEqualTo("enqueued " + t.id() + " by 2");
    Task c = b.taskClaimMany(new ClaimParams(Q, "w", 1, 60_000L, 0)).get(0);
    assertThat(seen.next()).isEqualTo("claimed " + t.id() + " by 2");

    // The claim's lock is bound to b's session lease (TTL 2 s), kept alive through 2.5 TTLs.
    try (Client client = Connection.open(config)) {
      Etcd etcd = new Etcd(client, 5_000);
      ByteSequence lockKey = new Keys(config.prefix()).lock(c.id());
      long lease = etcd.get(lockKey).getLease();
      Awaitility.await()
          .during(Duration.ofMillis(5_000))
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  etcd.get(lockKey) != null
                      && client
                              .getLeaseClient()
                              .timeToLive(lease, LeaseOption.DEFAULT)
                              .get(5, TimeUnit.SECONDS)
                              .getTTL()
                          >= 0);
    }
    assertThat(a.taskComplete(c.id(), c.lease().token(), "2")).isInstanceOf(Outcome.Ok.class);
    assertThat(b.taskGet(t.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);

    // The elected server sweeps: a claim whose lease ran out is pending again.
    Task late = a.taskEnqueueMany(Q, List.of(TaskSpec.of("late", "{}"))).get(0).task();
    assertThat(b.taskClaimMany(new ClaimParams(Q, "w", 1, 1_000L, 0)).get(0).id())
        .isEqualTo(late.id());
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> a.taskGet(late.id()).orElseThrow().state() == TaskState.PENDING);
  }

  @Test
  @Order(5)
  void a_wrong_password_and_a_prefix_outside_the_role_are_refused_naming_the_cause() {
    assertThatThrownBy(() -> open(config("/sec/b").withAuth(new EtcdAuth(USER, "wrong")), 1))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("etcd refused the user name or password");
    assertThatThrownBy(() -> open(config("/elsewhere").withAuth(new EtcdAuth(USER, PASSWORD)), 1))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("etcd denied the user access to the key prefix");
    // Without a user etcd takes the certificate's common name, which no role lets in.
    assertThatThrownBy(() -> open(config("/sec/b"), 1))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("etcd denied the user access to the key prefix");
  }
}
