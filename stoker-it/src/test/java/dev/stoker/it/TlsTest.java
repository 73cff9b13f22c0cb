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
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("stoker").getEncoded()));
    Files.writeString(
        key, pem("PRIVATE KEY", ks.getKey("stoker", "changeit".toCharArray()).getEncoded()));
    Path tokens = dir.resolve("tokens");
    Cli.Run r =
        Cli.run(
            dir,
            Map.of(),
            List.of(
                "token", "create", "--name", "ops", "--role", "admin", "--file", tokens.toString()),
            null);
    assertThat(r.exit()).as(r.err()).isZero();
    token = r.out().strip();
    server =
        StokerProcess.start(
            dir.resolve("data"),
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            key.toString(),
            "--tokens",
            tokens.toString());
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
