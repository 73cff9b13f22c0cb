package dev.stoker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The comparison lines of a report: Stoker on PostgreSQL over the SKIP LOCKED loop, and over one
 * server.
 */
class ReportTest {
  private static Report report() {
    return new Report(
        new BenchConfig(
            "http://127.0.0.1:1",
            1_000,
            4,
            200,
            Set.of("w1"),
            10,
            Duration.ofMillis(5),
            List.of()));
  }

  private static Report.SystemInfo stokerOnPostgres(String name, int servers) {
    return new Report.SystemInfo(name, "postgres", servers, true, "synchronous_commit=on", null);
  }

  private static void endToEnd(Report r, String system, double seconds) {
    r.add(new Report.Phase(system, "w1", "end-to-end", 1_000, seconds));
  }

  @Test
  void stoker_on_postgres_is_compared_with_the_loop_and_with_one_server() {
    Report r = report();
    r.system(stokerOnPostgres("stoker/postgres ×1", 1));
    r.system(stokerOnPostgres("stoker/postgres ×3", 3));
    endToEnd(r, PostgresPeer.NAME, 1.0);
    endToEnd(r, "stoker/postgres ×1", 0.5);
    endToEnd(r, "stoker/postgres ×3", 0.25);

    assertThat(r.comparisons())
        .containsExactly(
            "stoker/postgres ×1 w1 end-to-end = 2.00 × postgres skip-locked's w1",
            "stoker/postgres ×3 w1 end-to-end = 4.00 × postgres skip-locked's w1, 2.00 × stoker/postgres ×1's");
  }

  @Test
  void no_line_when_the_loop_did_not_run() {
    Report r = report();
    r.system(stokerOnPostgres("stoker/postgres ×1", 1));
    endToEnd(r, "stoker/postgres ×1", 0.5);

    assertThat(r.comparisons()).isEmpty();
  }
}
