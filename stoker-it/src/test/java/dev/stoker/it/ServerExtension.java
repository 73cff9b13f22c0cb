package dev.stoker.it;

import dev.stoker.client.StokerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@code stoker serve} process for a whole test class, on a data directory of its own that
 * is deleted afterwards, with an {@link Http} and a {@link StokerClient} pointed at it:
 *
 * <pre>{@code
 * @RegisterExtension static final ServerExtension server = new ServerExtension();
 * }</pre>
 */
final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
  private final String[] serveArgs;
  private Path data;
  private StokerProcess process;
  private Http http;
  private StokerClient client;

  /** {@code serveArgs} are added to {@code stoker serve}, e.g. limits. */
  ServerExtension(String... serveArgs) {
    this.serveArgs = serveArgs;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    data = Files.createTempDirectory("stoker-it-");
    process = StokerProcess.start(data, serveArgs);
    http = new Http(process.url());
    client = StokerClient.builder().baseUrl(process.url()).build();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    client.close();
    process.close();
    try (Stream<Path> files = Files.walk(data)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  String url() {
    return process.url();
  }

  Http http() {
    return http;
  }

  StokerClient client() {
    return client;
  }
}
