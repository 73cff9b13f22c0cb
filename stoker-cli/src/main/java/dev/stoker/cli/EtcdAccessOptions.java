package dev.stoker.cli;

import dev.stoker.store.etcd.EtcdAuth;
import dev.stoker.store.etcd.EtcdConfig;
import dev.stoker.store.etcd.EtcdTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code stoker serve}'s options for TLS and authentication to etcd (docs/backends/etcd.md,
 * Security). The password is never a flag, which {@code ps} would show: it comes from a file or the
 * environment.
 */
final class EtcdAccessOptions {
  static final String PASSWORD_ENV = "STOKER_ETCD_PASSWORD";

  @Option(
      names = "--etcd-ca",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_ETCD_CA}",
      description =
          "With --store etcd and https:// endpoints: the PEM CA bundle to trust (env STOKER_ETCD_CA). "
              + "Default: the JVM's trust store")
  Path ca;

  @Option(
      names = "--etcd-cert",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_ETCD_CERT}",
      description =
          "With --store etcd: the client certificate chain (PEM) for etcd's mutual TLS; needs "
              + "--etcd-key (env STOKER_ETCD_CERT)")
  Path cert;

  @Option(
      names = "--etcd-key",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_ETCD_KEY}",
      description =
          "The client certificate's private key, PEM, unencrypted PKCS#8 (env STOKER_ETCD_KEY)")
  Path key;

  @Option(
      names = "--etcd-user",
      paramLabel = "USER",
      defaultValue = "${env:STOKER_ETCD_USER}",
      description =
          "With --store etcd: log in to etcd (authentication on) as USER, whose password is in "
              + "--etcd-password-file or env "
              + PASSWORD_ENV
              + " (env STOKER_ETCD_USER)")
  String user;

  @Option(
      names = "--etcd-password-file",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_ETCD_PASSWORD_FILE}",
      description =
          "The file holding --etcd-user's password; a trailing newline is not part of it "
              + "(env STOKER_ETCD_PASSWORD_FILE)")
  Path passwordFile;

  /**
   * {@code config} with the TLS and login these options give; IllegalArgumentException naming the
   * flag when they do not fit together or a file cannot be read.
   */
  EtcdConfig apply(EtcdConfig config, String passwordEnv) {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--etcd-cert and --etcd-key go together");
    }
    if (ca != null || cert != null) {
      try {
        config = config.withTls(new EtcdTls(ca, cert, key));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(flag(e.getMessage()) + e.getMessage());
      }
    }
    String password = password(passwordEnv);
    if (user == null && password != null) {
      throw new IllegalArgumentException(
          "--etcd-password-file and " + PASSWORD_ENV + " need --etcd-user");
    }
    if (user != null) {
      if (password == null) {
        throw new IllegalArgumentException(
            "--etcd-user needs a password: --etcd-password-file FILE or env " + PASSWORD_ENV);
      }
      try {
        config = config.withAuth(new EtcdAuth(user, password));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--etcd-user: " + e.getMessage());
      }
    }
    return config;
  }

  private String password(String env) {
    if (passwordFile != null && env != null) {
      throw new IllegalArgumentException(
          "give the etcd password once: --etcd-password-file or " + PASSWORD_ENV);
    }
    if (passwordFile == null) {
      return env;
    }
    try {
      String p = Files.readString(passwordFile, StandardCharsets.UTF_8);
      return p.endsWith("\r\n")
          ? p.substring(0, p.length() - 2)
          : p.endsWith("\n") ? p.substring(0, p.length() - 1) : p;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--etcd-password-file: cannot read " + passwordFile + ": " + e.getMessage());
    }
  }

  private static String flag(String message) {
    if (message.contains("https:// endpoints")) {
      return "--etcd: ";
    }
    if (message.startsWith("the etcd CA")) {
      return "--etcd-ca: ";
    }
    if (message.startsWith("the etcd client key")) {
      return "--etcd-key: ";
    }
    if (message.startsWith("the etcd client certificate")) {
      return "--etcd-cert: ";
    }
    return "--etcd: ";
  }
}
