package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.testkit.EtcdTemp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code stoker serve --store etcd} processes over a real 3-member cluster that serves
 * https:// only to clients with a certificate of its CA and has authentication on: a server with
 * the certificate, the user and the password file enqueues and claims through HTTP; a wrong
 * password, a certificate without its key and a CA for http:// endpoints are refused at start,
 * naming the cause, with a non-zero exit.
 */
class EtcdSecurityServeTest {
  private static final String USER = "stoker";

  @Test
  void a_server_over_mutual_tls_as_an_etcd_user_enqueues_and_claims_and_bad_settings_are_refused(
      @TempDir Path dir) throws Exception {
    try (EtcdTemp etcd = EtcdTemp.startTls(3)) {
      String password = "pw-" + System.nanoTime();
      etcd.enableAuth(USER, password, "/serve/");
      Path tls = etcd.tlsDir();
      List<String> mtls =
          List.of(
              "--etcd-ca",
              tls.resolve("ca.pem").toString(),
              "--etcd-cert",
              tls.resolve("client.pem").toString(),
              "--etcd-key",
              tls.resolve("client-key.pem").toString(),
              "--etcd-user",
              USER);
      Path passwordFile = Files.writeString(dir.resolve("password"), password + "\n");
      Path wrongFile = Files.writeString(dir.resolve("wrong"), "not-" + password + "\n");

      Cli.Run wrong = serve(dir, etcd.endpoints(), mtls, "--etcd-password-file", wrongFile);
      assertThat(wrong.exit()).as(wrong.err()).isEqualTo(1);
      assertThat(wrong.err()).contains("etcd refused the user name or password");

      Cli.Run noKey =
          serve(dir, etcd.endpoints(), mtls.subList(0, 4), "--etcd-password-file", passwordFile);
      assertThat(noKey.exit()).as(noKey.err()).isEqualTo(2);
      assertThat(noKey.err()).contains("--etcd-cert and --etcd-key go together");

      Cli.Run plain =
          serve(
              dir,
              etcd.endpoints().replace("https://", "http://"),
              mtls,
              "--etcd-password-file",
              passwordFile);
      assertThat(plain.exit()).as(plain.err()).isEqualTo(2);
      assertThat(plain.err()).contains("https:// endpoints");

      List<String> args = new ArrayList<>(mtls);
      args.addAll(List.of("--etcd-password-file", passwordFile.toString()));
      try (StokerProcess server =
          StokerProcess.startOnEtcd(etcd.endpoints(), "/serve/a", args.toArray(String[]::new))) {
        Http http = new Http(server.url());
        Http.Reply enqueued = http.post("/v1/queues/tls/tasks", "{\"name\":\"t\"}");
        assertThat(enqueued.status()).isEqualTo(201);
        Http.Reply claimed =
            http.post(
                "/v1/queues/tls/claim",
                "{\"worker\":\"w\",\"max\":1,\"lease_ms\":30000,\"wait_ms\":5000}");
        assertThat(claimed.status()).isEqualTo(200);
        assertThat(claimed.at("/tasks/0/id").asText())
            .isEqualTo(enqueued.body().get("id").asText());
      }
    }
  }

  /** {@code stoker serve} on etcd with {@code access} and one more flag, waited for to exit. */
  private static Cli.Run serve(
      Path dir, String endpoints, List<String> access, String flag, Path file) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--store",
                "etcd",
                "--etcd",
                endpoints,
                "--etcd-prefix",
                "/serve/b"));
    args.addAll(access);
    args.addAll(List.of(flag, file.toString()));
    return Cli.run(dir, Map.of(), args, null);
  }
}
