package dev.stoker.cli;

import dev.stoker.client.StokerClient;
import picocli.CommandLine.Option;

/**
 * The options every client command takes: where the server is, how to authenticate, how to print.
 */
final class ClientOptions {
  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:STOKER_URL:-http://127.0.0.1:7654}",
      description = "The Stoker server (env STOKER_URL). Default: ${DEFAULT-VALUE}")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      defaultValue = "${env:STOKER_TOKEN}",
      description = "Bearer token, when the server requires one (env STOKER_TOKEN).")
  String token;

  @Option(
      names = "--ca-cert",
      paramLabel = "PEM",
      defaultValue = "${env:STOKER_CA_CERT}",
      description =
          "Trust the certificates in this PEM file for an https server, e.g. a self-signed one "
              + "(env STOKER_CA_CERT). Default: the JDK's trust store")
  java.nio.file.Path caCert;

  @Option(
      names = "--json",
      description = "Print JSON (one document, or one per line for streams) instead of tables.")
  boolean json;

  StokerClient client() {
    StokerClient.Builder b = StokerClient.builder().baseUrl(server);
    if (token != null && !token.isBlank()) {
      b.token(token);
    }
    if (caCert != null) {
      b.trustCertificates(caCert);
    }
    return b.build();
  }
}
