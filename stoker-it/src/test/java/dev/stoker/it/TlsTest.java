package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stoker.client.StokerClient;
import dev.stoker.client.StokerException;
import dev.stoker.client.Task;
import java.io.FileInputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stoker serve --tls-cert --tls-key} with a self-signed certificate made by the JDK's
 * keytool, together with tokens: the client and the CLI over https, trusting the certificate by
 * --ca-cert.
 */
class TlsTest {
  @TempDir static Path dir;
  static Path cert;
  static Path key;
  static Path tokens;
  static String token;
  static StokerProcess server;

  @BeforeAll
  static void start() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Path keytool =
        Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "stoker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    // the PEM files an operator would have: the certificate, and the key as unencrypted PKCS#8
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keystore.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    cert = dir.resolve("cert.pem");
    key = dir.resolve("key.pem");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("stoker").getEncoded()));
    Files.writeString(
        key, pem("PRIVATE KEY", ks.getKey("stoker", "changeit".toCharArray()).getEncoded()));
    tokens = dir.resolve("tokens");
    Cli.Run r =
        Cli.run(
            dir,
            Map.of(),
            List.of(
                "token", "create", "--name", "ops", "--role", "admin", "--file", tokens.toString()),
            null);
    assertThat(r.exit()).as(r.err()).isZero();
    token = r.out().strip();
    server = StokerProcess.start(dir.resolve("data"), secured().toArray(String[]::new));
  }

  /** What every server of these tests is started with: TLS, and tokens. */
  private static List<String> secured() {
    return List.of(
        "--tls-cert", cert.toString(), "--tls-key", key.toString(), "--tokens", tokens.toString());
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  /**
   * Two cluster nodes on https peer URLs, each trusting the certificate through the JVM's default
   * trust store (as an operator configures it): a task enqueued on one is on the other, so the peer
   * links speak TLS; a node that does not trust the certificate gets nothing.
   */
  @Test
  void cluster_nodes_link_over_https_when_their_jvm_trusts_the_certificate() throws Exception {
    Path trust = dir.resolve("trust.p12");
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    try (FileInputStream in = new FileInputStream(dir.resolve("server.p12").toFile())) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, "changeit".toCharArray());
      ts.setCertificateEntry("stoker", ks.getCertificate("stoker"));
    }
    try (var out = Files.newOutputStream(trust)) {
      ts.store(out, "changeit".toCharArray());
    }
    Path clusterKey = dir.resolve("cluster.key");
    Files.writeString(clusterKey, "0123456789abcdef0123456789abcdef");
    int[] ports = {freePort(), freePort(), freePort()};
    List<String> trusting =
        List.of(
            "-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=changeit");
    // Node 3's JVM does not trust the certificate: its own links to 1 and 2 must fail.
    List<java.util.concurrent.CompletableFuture<dev.stoker.verify.ServerProcess>> starting =
        new java.util.ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      int self = id;
      List<String> peers = new java.util.ArrayList<>();
      for (int other = 1; other <= 3; other++) {
        if (other != self) {
          peers.add(other + "=https://127.0.0.1:" + ports[other - 1]);
        }
      }
      starting.add(
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  List<String> args =
                      new java.util.ArrayList<>(
                          List.of(
                              "--cluster",
                              "--node-id",
                              String.valueOf(self),
                              "--peers",
                              String.join(",", peers),
                              "--cluster-key-file",
                              clusterKey.toString()));
                  args.addAll(secured());
                  return dev.stoker.verify.ServerProcess.start(
                      self == 3 ? List.of() : trusting,
                      List.of("--data", dir.resolve("node-" + self).toString()),
                      ports[self - 1],
                      args.toArray(String[]::new));
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }));
    }
    List<dev.stoker.verify.ServerProcess> nodes = new java.util.ArrayList<>();
    try {
      for (var f : starting) {
        nodes.add(f.get(200, TimeUnit.SECONDS));
      }
      try (StokerClient one = client(nodes.get(0));
          StokerClient two = client(nodes.get(1));
          StokerClient three = client(nodes.get(2))) {
        Task t = one.enqueue("tls", "linked", Map.of("a", 1));
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> two.task(t.id()).isPresent());
        Task u = two.enqueue("tls", "back", Map.of("b", 2));
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> one.task(u.id()).isPresent());
        // Node 3 gets them too, through the links of nodes 1 and 2 to it, while its own links fail:
        // it cannot check the certificate.
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> three.task(t.id()).isPresent() && three.task(u.id()).isPresent());
        javax.net.ssl.TrustManagerFactory tmf =
            javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient https =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        assertThat(connected(new Http(nodes.get(0).url(), token, https)))
            .containsEntry(2, true)
            .containsEntry(3, true);
        assertThat(connected(new Http(nodes.get(2).url(), token, https)))
            .containsEntry(1, false)
            .containsEntry(2, false);
      }
    } finally {
      for (var f : starting) {
        f.thenAccept(
            p -> {
              try {
                p.close();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
    }
  }

  /** Per peer of the node, whether its own link to the peer is up ({@code GET /v1/cluster}). */
  private static Map<Integer, Boolean> connected(Http node) throws Exception {
    Map<Integer, Boolean> out = new java.util.TreeMap<>();
    for (var peer : node.get("/v1/cluster").body().get("peers")) {
      out.put(peer.get("node").asInt(), peer.get("connected").asBoolean());
    }
    return out;
  }

  private static StokerClient client(dev.stoker.verify.ServerProcess node) {
    return StokerClient.builder().baseUrl(node.url()).token(token).trustCertificates(cert).build();
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void the_server_says_it_serves_https() {
    assertThat(server.url()).startsWith("https://127.0.0.1:");
  }

  @Test
  void a_client_that_trusts_the_certificate_works_over_https() {
    try (StokerClient client =
        StokerClient.builder().baseUrl(server.url()).token(token).trustCertificates(cert).build()) {
      Task t = client.enqueue("tls", "hello", Map.of("a", 1));
      List<Task> claimed =
          client.claim("tls", "w", 1, Duration.ofSeconds(30), Duration.ofSeconds(5));
      assertThat(claimed).extracting(Task::id).containsExactly(t.id());
      assertThat(client.complete(t.id(), claimed.get(0).lease().token(), null).state().wireName())
          .isEqualTo("done");
    }
  }

  @Test
  void a_client_that_does_not_trust_it_is_refused_and_plain_http_gets_nothing() throws Exception {
    try (StokerClient client = StokerClient.builder().baseUrl(server.url()).token(token).build()) {
      assertThatThrownBy(client::queues).isInstanceOf(StokerException.class);
    }
    Http plain =
        new Http(
            "http://127.0.0.1:" + server.port(),
            token,
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
    assertThatThrownBy(() -> plain.get("/v1/queues")).isInstanceOf(java.io.IOException.class);
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void the_cli_takes_a_ca_cert() throws Exception {
    Map<String, String> env = Map.of("STOKER_URL", server.url(), "STOKER_TOKEN", token);
    Cli.Run put =
        Cli.run(dir, env, List.of("put", "tls-cli", "hello", "--ca-cert", cert.toString()), null);
    assertThat(put.exit()).as(put.err()).isZero();
    Cli.Run untrusted = Cli.run(dir, env, List.of("queues"), null);
    assertThat(untrusted.exit()).isNotZero();
  }
}
