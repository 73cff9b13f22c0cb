package dev.stoker.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AP cluster's replication as its nodes publish it in /metrics, summed over the nodes: the lag
 * histogram {@code stoker_cluster_replication_lag_seconds}, and the bytes and new events they
 * received from each other. Scraped before and after a workload, the difference ({@link #since}) is
 * that workload's. Lag quantiles are bucket bounds: "p99 ≤ 20 ms" says 99 % of the events arrived
 * within 20 ms.
 */
final class ReplicationScrape {
  private static final String BUCKET = "stoker_cluster_replication_lag_seconds_bucket{";
  private static final String BYTES = "stoker_cluster_received_bytes_total";
  private static final String EVENTS = "stoker_cluster_received_events_total";
  private static final String EXCHANGES = "stoker_cluster_exchanges_total";
  private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

  /** Upper bound in seconds → events at most that late, summed over the nodes. */
  private final TreeMap<Double, Double> cumulative;

  private final double bytes;
  private final double received;
  private final double exchanges;

  private ReplicationScrape(
      TreeMap<Double, Double> cumulative, double bytes, double received, double exchanges) {
    this.cumulative = cumulative;
    this.bytes = bytes;
    this.received = received;
    this.exchanges = exchanges;
  }

  static ReplicationScrape scrape(List<URI> nodes) throws InterruptedException {
    ReplicationScrape sum = of("");
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      for (URI node : nodes) {
        HttpResponse<String> r;
        try {
          r =
              http.send(
                  HttpRequest.newBuilder(node.resolve("/metrics"))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the metrics of " + node + ": " + e, e);
        }
        if (r.statusCode() != 200) {
          throw new IllegalStateException(node + "/metrics answered " + r.statusCode());
        }
        sum = sum.plus(of(r.body()));
      }
    }
    return sum;
  }

  /** One node's figures, from its Prometheus text exposition. */
  static ReplicationScrape of(String exposition) {
    return new ReplicationScrape(
        new TreeMap<>(parse(exposition)),
        counter(exposition, BYTES),
        counter(exposition, EVENTS),
        counter(exposition, EXCHANGES));
  }

  private ReplicationScrape plus(ReplicationScrape other) {
    TreeMap<Double, Double> sum = new TreeMap<>(cumulative);
    other.cumulative.forEach((le, n) -> sum.merge(le, n, Double::sum));
    return new ReplicationScrape(
        sum, bytes + other.bytes, received + other.received, exchanges + other.exchanges);
  }

  /** The histogram's buckets in a Prometheus text exposition. */
  static Map<Double, Double> parse(String exposition) {
    Map<Double, Double> buckets = new TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (!line.startsWith(BUCKET)) {
        continue;
      }
      Matcher m = LE.matcher(line);
      if (m.find()) {
        double le =
            m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
        buckets.put(le, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return buckets;
  }

  /** A counter's value in a Prometheus text exposition, 0 when absent. */
  static double counter(String exposition, String name) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** What was recorded between {@code earlier} and this scrape. */
  ReplicationScrape since(ReplicationScrape earlier) {
    TreeMap<Double, Double> diff = new TreeMap<>();
    cumulative.forEach((le, n) -> diff.put(le, n - earlier.cumulative.getOrDefault(le, 0.0)));
    return new ReplicationScrape(
        diff, bytes - earlier.bytes, received - earlier.received, exchanges - earlier.exchanges);
  }

  /** Events that reached a node new to it, with a lag recorded. */
  long events() {
    return cumulative.isEmpty() ? 0 : Math.round(cumulative.lastEntry().getValue());
  }

  /** New events per exchange between two nodes (how well pushes batch); NaN without exchanges. */
  double eventsPerExchange() {
    return exchanges == 0 ? Double.NaN : received / exchanges;
  }

  /** Bytes received on the wire per new event, frames included; NaN without events. */
  double bytesPerEvent() {
    return received == 0 ? Double.NaN : bytes / received;
  }

  /**
   * The smallest bucket bound, in ms, within which a fraction {@code q} of the events arrived; NaN
   * without events, infinite past the largest finite bound.
   */
  double quantileMs(double q) {
    long total = events();
    if (total == 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= q * total) {
        return e.getKey() * 1_000;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
