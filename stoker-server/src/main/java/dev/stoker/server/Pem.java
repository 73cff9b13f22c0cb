package dev.stoker.server;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import java.nio.file.Files;
import java.nio.file.Path;

/** The server's TLS from PEM files: a certificate chain and its PKCS#8 private key. */
final class Pem {
  private Pem() {}

  static Tls tls(Path certChain, Path key) {
    for (Path p : new Path[] {certChain, key}) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("cannot read the TLS file " + p);
      }
    }
    try {
      return Tls.builder()
          .privateKey(Keys.builder().pem(pem -> pem.key(Resource.create(key))).build())
          .privateKeyCertChain(
              Keys.builder().pem(pem -> pem.certChain(Resource.create(certChain))).build())
          .build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot use the TLS certificate "
              + certChain
              + " and key "
              + key
              + " (PEM, the key unencrypted PKCS#8): "
              + e.getMessage(),
          e);
    }
  }
}
