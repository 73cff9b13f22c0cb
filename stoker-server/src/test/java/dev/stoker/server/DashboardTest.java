package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Limits;
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files as the server serves them: types, caching, the CSP, and no file left out.
 */
class DashboardTest {
  private final Api api =
      new Api(
          new ModelStore(new ManualClock(Instant.EPOCH), 1), new byte[32], Limits.DEFAULT, 1 << 20);

  private Response get(String path) {
    return api.handle("GET", path, null, null, new byte[0]);
  }

  @Test
  void the_page_names_the_current_assets_and_is_revalidated_on_every_load() {
    Response r = get("/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("text/html; charset=utf-8");
    assertThat(r.headers())
        .containsEntry("Cache-Control", "no-cache")
        .containsEntry("Content-Security-Policy", Dashboard.CONTENT_SECURITY_POLICY)
        .containsEntry("X-Content-Type-Options", "nosniff");
    String html = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(html)
        .contains("/ui/" + Dashboard.VERSION + "/app.js", "/ui/" + Dashboard.VERSION + "/style.css")
        .doesNotContain("{{version}}", "<script>", "style=");
  }

  @Test
  void every_asset_has_its_type_and_is_kept_for_good_under_its_version() {
    assertThat(get("/ui/" + Dashboard.VERSION + "/app.js").contentType())
        .isEqualTo("text/javascript; charset=utf-8");
    assertThat(get("/ui/" + Dashboard.VERSION + "/style.css").contentType())
        .isEqualTo("text/css; charset=utf-8");
    assertThat(get("/ui/" + Dashboard.VERSION + "/icon.svg").contentType())
        .isEqualTo("image/svg+xml");
    for (String asset : Dashboard.ASSETS) {
      Response r = get("/ui/" + Dashboard.VERSION + "/" + asset);
      assertThat(r.status()).as(asset).isEqualTo(200);
      assertThat(r.body()).isNotEmpty();
      assertThat(r.headers())
          .containsEntry("Cache-Control", "public, max-age=31536000, immutable")
          .containsKey("Content-Security-Policy");
    }
  }

  @Test
  void another_version_or_an_unknown_file_is_not_found() {
    assertThat(get("/ui/0123456789ab/app.js").status()).isEqualTo(404);
    assertThat(get("/ui/" + Dashboard.VERSION + "/secret.txt").status()).isEqualTo(404);
    assertThat(get("/ui/" + Dashboard.VERSION + "/..%2Fopenapi.json").status()).isEqualTo(404);
    assertThat(get("/ui/" + Dashboard.VERSION).status()).isEqualTo(404);
    assertThat(api.handle("POST", "/", null, null, new byte[0]).status()).isEqualTo(405);
  }

  @Test
  void the_dashboard_is_open_to_anyone_as_its_files_hold_no_data() {
    assertThat(Api.ROUTES.isOpen(Api.segments("/"))).isTrue();
    assertThat(Api.ROUTES.isOpen(Api.segments("/ui/" + Dashboard.VERSION + "/app.js"))).isTrue();
  }

  @Test
  void every_file_of_the_dashboard_directory_is_served() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src", "main", "resources", "dashboard"))) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(n -> !n.equals("index.html")))
          .containsExactlyInAnyOrderElementsOf(Dashboard.ASSETS);
    }
  }
}
