package dev.stoker.store.etcd;

import dev.stoker.core.store.StoreUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;

/**
 * The jetcd client of a configuration: its endpoints, TLS and user. With TLS or a user, one read of
 * the prefix checks them first: a certificate either side refuses, a wrong password or a role
 * without the prefix would otherwise look like an etcd that does not answer, which the store waits
 * 30 s for at start; they are refused at once instead, naming the cause. An etcd that does not
 * answer is left to the store's wait.
 */
final class Connection {
  private Connection() {}

  /**
   * @throws IllegalArgumentException when a TLS file cannot be used
   * @throws StoreUnavailableException when etcd refuses the TLS handshake or the credentials
   */
  static Client open(EtcdConfig config) {
    ClientBuilder b =
        Client.builder()
            .endpoints(config.endpoints().toArray(URI[]::new))
            .connectTimeout(config.requestTimeout());
    if (config.tls() != null) {
      b.sslContext(sslContext(config.tls()));
    }
    if (config.auth() != null) {
      b.user(ByteSequence.from(config.auth().user(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(config.auth().password(), StandardCharsets.UTF_8));
    }
    if (config.tls() != null || config.auth() != null) {
      check(b.copy(), config);
    }
    return b.build();
  }

  /**
   * One read of the prefix by a client that neither waits for a connection nor retries (the store's
   * client does both, and would only time out): its failure carries the cause, the TLS alert or
   * etcd's refusal.
   */
  private static void check(ClientBuilder b, EtcdConfig config) {
    String root = new Keys(config.prefix()).root();
    try (Client probe = b.waitForReady(false).retryMaxAttempts(0).build()) {
      new Etcd(probe, config.requestTimeout().toMillis())
          .range(root, Keys.end(root), 1, true, false);
    } catch (StoreUnavailableException e) {
      if (Etcd.refusal(e.getCause()) != null) {
        throw e;
      }
    }
  }

  static SslContext sslContext(EtcdTls tls) {
    SslContextBuilder b = GrpcSslContexts.forClient();
    if (tls.ca() != null) {
      try {
        b.trustManager(tls.ca().toFile());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "the etcd CA file " + tls.ca() + " holds no PEM certificate: " + e.getMessage(), e);
      }
    }
    if (tls.cert() != null) {
      try {
        b.keyManager(tls.cert().toFile(), tls.key().toFile());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "the etcd client certificate "
                + tls.cert()
                + " and key "
                + tls.key()
                + " must be a PEM certificate chain and an unencrypted PKCS#8 PEM key: "
                + e.getMessage(),
            e);
      }
    }
    try {
      return b.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("cannot set up TLS to etcd: " + e.getMessage(), e);
    }
  }
}
