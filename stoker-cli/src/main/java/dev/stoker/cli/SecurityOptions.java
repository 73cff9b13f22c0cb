package dev.stoker.cli;

import dev.stoker.server.StokerServer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code stoker serve}'s options for tokens, TLS and connection limits (docs/security.md). */
final class SecurityOptions {
  @Option(
      names = "--tokens",
      paramLabel = "FILE",
      defaultValue = "${env:STOKER_TOKENS_FILE}",
      description =
          "Require bearer tokens, defined in FILE (see 'stoker token'); re-read when it changes "
              + "(env STOKER_TOKENS_FILE). Default: none, everyone may do everything")
  Path tokens;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      defaultValue = "${env:STOKER_TLS_CERT}",
      description =
          "Serve HTTPS with this PEM certificate chain (env STOKER_TLS_CERT); needs --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      defaultValue = "${env:STOKER_TLS_KEY}",
      description = "The certificate's private key, PEM, unencrypted PKCS#8 (env STOKER_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue =
          "${env:STOKER_MAX_CONNECTIONS:-" + StokerServer.Security.DEFAULT_MAX_CONNECTIONS + "}",
      description =
          "Most TCP connections open at once; more wait to be accepted (env STOKER_MAX_CONNECTIONS). "
              + "Default: ${DEFAULT-VALUE}")
  int maxConnections;

  @Option(
      names = "--max-concurrent-requests",
      paramLabel = "N",
      defaultValue =
          "${env:STOKER_MAX_CONCURRENT_REQUESTS:-"
              + StokerServer.Security.DEFAULT_MAX_CONCURRENT_REQUESTS
              + "}",
      description =
          "Most requests handled at once, waiting claims included; more get 503 "
              + "(env STOKER_MAX_CONCURRENT_REQUESTS). Default: ${DEFAULT-VALUE}")
  int maxConcurrentRequests;

  @Option(
      names = "--max-claims-per-token",
      paramLabel = "N",
      defaultValue =
          "${env:STOKER_MAX_CLAIMS_PER_TOKEN:-"
              + StokerServer.Security.DEFAULT_MAX_CLAIMS_PER_TOKEN
              + "}",
      description =
          "Most claims (long polls) one token may have in flight; more get 429. Applies with "
              + "--tokens (env STOKER_MAX_CLAIMS_PER_TOKEN). Default: ${DEFAULT-VALUE}")
  int maxClaimsPerToken;

  /** The server's security settings; IllegalArgumentException when they do not fit together. */
  StokerServer.Security security() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (maxConnections < 1 || maxConcurrentRequests < 1 || maxClaimsPerToken < 1) {
      throw new IllegalArgumentException(
          "--max-connections, --max-concurrent-requests and --max-claims-per-token must be at least 1");
    }
    return new StokerServer.Security(
        tokens, tlsCert, tlsKey, maxConnections, maxConcurrentRequests, maxClaimsPerToken);
  }
}
