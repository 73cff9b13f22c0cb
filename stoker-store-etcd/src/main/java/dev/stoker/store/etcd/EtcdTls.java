package dev.stoker.store.etcd;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS to etcd's https:// client URLs: whom to trust and, for mutual TLS, the client certificate.
 * The files are read when the store connects.
 *
 * @param ca the PEM CA bundle that signed the members' certificates, or null for the JVM's default
 *     trust store
 * @param cert the client certificate chain (PEM) for a cluster that requires one ({@code
 *     --client-cert-auth}), or null
 * @param key the client certificate's unencrypted PKCS#8 PEM key; given exactly when {@code cert}
 *     is
 */
public record EtcdTls(Path ca, Path cert, Path key) {
  /** https:// with the JVM's default trust store and no client certificate. */
  public static final EtcdTls DEFAULT = new EtcdTls(null, null, null);

  public EtcdTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "the etcd client certificate and its key go together: give both or neither");
    }
    readable(ca, "the etcd CA file");
    readable(cert, "the etcd client certificate");
    readable(key, "the etcd client key");
  }

  private static void readable(Path file, String what) {
    if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
      throw new IllegalArgumentException(what + " " + file + " is not a readable file");
    }
  }
}
