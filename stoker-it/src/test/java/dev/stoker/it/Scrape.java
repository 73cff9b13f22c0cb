package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a server's {@code GET /metrics}: each sample by its name and labels. */
final class Scrape {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)$");

  final String text;
  final Map<String, Double> samples = new HashMap<>();

  private Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        samples.put(
            m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      }
    }
  }

  /** Scrapes the server at {@code baseUrl}. */
  static Scrape of(String baseUrl) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return new Scrape(r.body());
  }

  /** A series as Prometheus writes it, such as {@code name{label="value"}}; it must be served. */
  double value(String series) {
    assertThat(samples).as("served series").containsKey(series);
    return samples.get(series);
  }

  /** How much a series grew since {@code before} (where it may not have existed yet). */
  double delta(Scrape before, String series) {
    return value(series) - before.samples.getOrDefault(series, 0.0);
  }

  Set<String> names() {
    Set<String> names = new TreeSet<>();
    for (String s : samples.keySet()) {
      int brace = s.indexOf('{');
      names.add(brace < 0 ? s : s.substring(0, brace));
    }
    return names;
  }
}
