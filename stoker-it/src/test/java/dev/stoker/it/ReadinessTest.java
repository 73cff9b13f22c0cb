package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.testkit.PgTemp;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code /readyz} tells a load balancer whether the server can do its work
 * (docs/api.md#health-and-readiness): a real {@code stoker serve --store postgres} whose PostgreSQL
 * is SIGKILLed, then started again.
 */
class ReadinessTest {

  @Test
  void readiness_is_503_after_a_write_failed_on_a_dead_database_and_200_once_the_database_is_back()
      throws Exception {
    try (PgTemp pg = PgTemp.start();
        StokerProcess server = StokerProcess.startOnPostgres(pg.url(), "stoker")) {
      Http http = new Http(server.url());
      assertThat(http.post("/v1/queues/ready/tasks", "{\"name\":\"a\"}").status()).isEqualTo(201);
      assertThat(http.get("/readyz").status()).isEqualTo(200);

      pg.kill();
      assertThat(http.post("/v1/queues/ready/tasks", "{\"name\":\"b\"}").status())
          .as("a write")
          .isEqualTo(503);

      Http.Reply ready = http.get("/readyz");
      assertThat(ready.status()).as("readiness after a failed write").isEqualTo(503);
      assertThat(ready.at("/status").asText()).isEqualTo("unavailable");
      assertThat(http.get("/readyz").status())
          .as("the probe fails while the database is down")
          .isEqualTo(503);
      assertThat(http.get("/healthz").status()).as("liveness: the process serves").isEqualTo(200);

      pg.restart();
      Awaitility.await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> http.get("/readyz").status() == 200);
      assertThat(http.post("/v1/queues/ready/tasks", "{\"name\":\"c\"}").status()).isEqualTo(201);
    }
  }
}
