package dev.stoker.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web dashboard (docs/dashboard.md): static files from the server's jar
 * (src/main/resources/dashboard), read once. The page at {@code /} names its assets under {@code
 * /ui/VERSION/}, VERSION being a hash of every asset, so browsers may keep an asset for good
 * ({@code immutable}) and still load the new one the moment the server is upgraded; the page itself
 * is revalidated on every load. The files only draw what the API answers, with the token the
 * operator types in, so they are served to anyone.
 */
final class Dashboard {
  /** The files of the dashboard besides index.html; an asset not listed here is not served. */
  static final List<String> ASSETS =
      List.of("app.js", "api.js", "live.js", "views.js", "dom.js", "style.css", "icon.svg");

  /**
   * Everything the page may load or connect to is this server; no inline script or style, no
   * framing, no form posts, no plugins.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; "
          + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final String DIR = "/dashboard/";
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml");

  static final String VERSION;
  private static final Map<String, byte[]> FILES;
  private static final byte[] INDEX;

  static {
    Map<String, byte[]> files = new LinkedHashMap<>();
    MessageDigest sha = sha256();
    for (String name : ASSETS) {
      byte[] content = read(name);
      files.put(name, content);
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update(content);
    }
    FILES = Map.copyOf(files);
    VERSION = HexFormat.of().formatHex(sha.digest(), 0, 6);
    INDEX =
        new String(read("index.html"), StandardCharsets.UTF_8)
            .replace("{{version}}", VERSION)
            .getBytes(StandardCharsets.UTF_8);
  }

  private Dashboard() {}

  /**
   * {@code GET /}: the page, which browsers must revalidate so that it always names the current
   * assets.
   */
  static Response index(Api api, Api.Call call) {
    return reply(INDEX, "html", "no-cache");
  }

  /**
   * {@code GET /ui/{version}/{asset}}: one asset, kept for good since its URL changes with its
   * content.
   */
  static Response asset(Api api, Api.Call call) {
    String name = call.params().get("{asset}");
    byte[] content = FILES.get(name);
    if (content == null || !VERSION.equals(call.params().get("{version}"))) {
      throw Problem.of(
              404,
              "unknown-endpoint",
              "Unknown endpoint",
              "no dashboard asset "
                  + Requests.abbreviate(name)
                  + " in version "
                  + Requests.abbreviate(call.params().get("{version}"))
                  + "; reload the dashboard at /")
          .refusal();
    }
    return reply(
        content, name.substring(name.lastIndexOf('.') + 1), "public, max-age=31536000, immutable");
  }

  /** Any value may reach the asset route; the handler answers 404 for what it does not serve. */
  static void anySegment(String segment) {}

  private static Response reply(byte[] body, String extension, String cacheControl) {
    return new Response(
        200,
        TYPES.get(extension),
        body,
        Map.of(
            "Cache-Control", cacheControl,
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin"));
  }

  private static byte[] read(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException(DIR + name + " is missing from the server's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
