package dev.stoker.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI 3.1 description of the API (src/main/resources/dev/stoker/server/openapi.json),
 * written by hand next to {@link Api#ROUTES}; a test holds the two to the same routes.
 */
final class OpenApi {
  static final String RESOURCE = "openapi.json";
  private static final byte[] DOCUMENT = load();

  private OpenApi() {}

  static byte[] document() {
    return DOCUMENT;
  }

  private static byte[] load() {
    try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the server's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
