package dev.stoker.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The peer driver's count check, on a queue in memory that behaves as RabbitMQ did in a full run:
 * acknowledgements are not confirmed to the client, and those still on their way when a worker
 * disconnects are never applied, so their tasks come back after the phase, ready again.
 */
class ClientPeerTest {
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final BenchConfig config =
      new BenchConfig(
          "http://127.0.0.1:1", 2_000, 4, 200, Set.of("w2"), 10, Duration.ofMillis(5), List.of());

  @Test
  void tasks_delivered_again_after_the_phase_are_completed_again_and_counted_once()
      throws Exception {
    Report report = new Report(config);
    try (UnconfirmedAcks peer = new UnconfirmedAcks(config, log, false)) {
      peer.throughput(report, "w2", 100);
    }

    assertThat(report.phases())
        .extracting(p -> p.workload() + " " + p.phase() + " " + p.tasks())
        .containsExactly("w2 enqueue 2000", "w2 drain 2000", "w2 end-to-end 2000");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("delivered again after being taken");
  }

  @Test
  void a_task_left_that_was_never_completed_still_fails_the_count_check() throws Exception {
    try (UnconfirmedAcks peer = new UnconfirmedAcks(config, log, true)) {
      assertThatThrownBy(() -> peer.throughput(new Report(config), "w2", 100))
          .hasMessageContaining("counts do not add up")
          .hasMessageContaining("1 waiting");
    }
  }

  /**
   * Applies a consumer's acks when it next takes: acks still pending when it closes are lost, and
   * their tasks go back to the queue, as do the tasks it holds. With {@code stray}, one task that
   * no producer sent shows up once the phase has drained.
   */
  private static final class UnconfirmedAcks extends ClientPeer {
    private final Map<String, BlockingDeque<String>> queues = new ConcurrentHashMap<>();
    private final boolean stray;

    UnconfirmedAcks(BenchConfig config, ByteArrayOutputStream log, boolean stray) {
      super(config, new PrintStream(log, true, StandardCharsets.UTF_8), "{}", "unconfirmed acks");
      this.stray = stray;
    }

    @Override
    public String durability() {
      return "in memory";
    }

    @Override
    public String noBatches() {
      return null;
    }

    @Override
    void create(String queue) {
      queues.put(queue, new LinkedBlockingDeque<>());
    }

    @Override
    long waiting(String queue) {
      BlockingDeque<String> q = queues.get(queue);
      if (stray && q.isEmpty()) {
        q.add("stray");
      }
      return q.size();
    }

    @Override
    Producer producer(String queue) {
      BlockingDeque<String> q = queues.get(queue);
      return new Producer() {
        private long sent;

        @Override
        public void enqueue(int n) {
          for (int i = 0; i < n; i++) {
            put();
          }
        }

        @Override
        public String put() {
          String id = Long.toString(sent++);
          q.add(id);
          return id;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    Consumer consumer(String queue, int max) {
      BlockingDeque<String> q = queues.get(queue);
      return new Consumer() {
        private final List<String> held = new ArrayList<>();
        private final List<String> acksOnTheirWay = new ArrayList<>();

        @Override
        public List<String> take(int max, Duration wait) throws InterruptedException {
          acksOnTheirWay.clear();
          String first = q.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
          if (first != null) {
            held.add(first);
            q.drainTo(held, max - 1);
          }
          return List.copyOf(held);
        }

        @Override
        public void completeHeld() {
          acksOnTheirWay.addAll(held);
          held.clear();
        }

        @Override
        public void close() {
          q.addAll(acksOnTheirWay);
          q.addAll(held);
        }
      };
    }
  }
}
