package dev.stoker.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The claim loop backs off rather than spins when the server cannot serve, on a fake clock. */
class ClaimerTest {
  private static final Duration POLL_WAIT = Duration.ofSeconds(30);

  /** A worker with room for {@code room} tasks, for {@code rounds} claims; then it stops. */
  private static final class Room implements Claimer.Slots {
    final int rounds;
    final int room;
    int asked;
    int returned;
    boolean ended;
    final List<Task> accepted = new ArrayList<>();

    Room(int rounds, int room) {
      this.rounds = rounds;
      this.room = room;
    }

    @Override
    public int awaitRoom() {
      return asked++ < rounds ? room : 0;
    }

    @Override
    public void claimReturned() {
      returned++;
    }

    @Override
    public void accept(List<Task> tasks) {
      accepted.addAll(tasks);
    }

    @Override
    public boolean isRunning() {
      return asked <= rounds;
    }

    @Override
    public void ended() {
      ended = true;
    }
  }

  private static Claimer claimer(Claimer.Claims claims, Room slots, FakeTicker ticker) {
    return new Claimer(
        claims,
        POLL_WAIT,
        slots,
        new Connectivity("test worker", "http://test"),
        "test worker",
        ticker);
  }

  /** Each wait is the next step of 100 ms, 200 ms, … 5 s, drawn from the upper half of its step. */
  private static void assertBackoff(List<Duration> sleeps) {
    for (int k = 0; k < sleeps.size(); k++) {
      long step = Math.min(5_000, 100L << k);
      assertThat(sleeps.get(k).toMillis()).as("wait %d", k).isBetween(step / 2, step);
    }
  }

  @Test
  void a_server_that_answers_at_once_with_nothing_is_not_hammered() {
    FakeTicker ticker = new FakeTicker();
    AtomicInteger claims = new AtomicInteger();
    Room slots = new Room(12, 1);
    claimer(
            max -> {
              claims.incrementAndGet();
              return List.of(); // like a draining server
            },
            slots,
            ticker)
        .run();

    assertThat(claims).hasValue(12);
    assertThat(ticker.sleeps).as("a wait after each empty answer").hasSize(12);
    assertBackoff(ticker.sleeps);
    assertThat(ticker.sleeps.getLast()).as("capped").isLessThanOrEqualTo(Duration.ofSeconds(5));
    assertThat(slots.ended).isTrue();
  }

  @Test
  void a_server_that_answers_503_is_retried_with_backoff() {
    FakeTicker ticker = new FakeTicker();
    Room slots = new Room(8, 1);
    claimer(
            max -> {
              throw new StokerUnavailableException("HTTP 503 Store unavailable", 503, null);
            },
            slots,
            ticker)
        .run();

    assertThat(slots.returned).as("each claim came back").isEqualTo(8);
    assertThat(ticker.sleeps).hasSize(8);
    assertBackoff(ticker.sleeps);
  }

  @Test
  void refused_claims_are_retried_with_backoff() {
    FakeTicker ticker = new FakeTicker();
    Room slots = new Room(5, 1);
    claimer(
            max -> {
              throw new ProblemException(
                  403,
                  "https://stoker.dev/problems/forbidden",
                  "Forbidden",
                  "not this queue",
                  null,
                  null);
            },
            slots,
            ticker)
        .run();

    assertThat(ticker.sleeps).hasSize(5);
    assertBackoff(ticker.sleeps);
  }

  @Test
  void a_claim_that_waited_out_its_poll_or_brought_tasks_is_followed_by_the_next_at_once() {
    FakeTicker ticker = new FakeTicker();
    Room slots = new Room(6, 1);
    AtomicInteger claims = new AtomicInteger();
    Task task = task("t1");
    claimer(
            max -> {
              int n = claims.incrementAndGet();
              if (n == 1) {
                return List.of(); // at once: a wait follows
              }
              if (n % 2 == 0) {
                ticker.advance(POLL_WAIT); // an idle queue: the long poll ran its course
                return List.of();
              }
              return List.of(task);
            },
            slots,
            ticker)
        .run();

    assertThat(claims).hasValue(6);
    assertThat(ticker.sleeps).as("only after the first, instant, empty answer").hasSize(1);
    assertThat(slots.accepted).hasSize(2).containsOnly(task);
  }

  @Test
  void it_asks_for_as_many_tasks_as_the_worker_has_room_for() {
    List<Integer> asked = new ArrayList<>();
    claimer(
            max -> {
              asked.add(max);
              return List.of(task("t" + max));
            },
            new Room(1, 7),
            new FakeTicker())
        .run();
    assertThat(asked).containsExactly(7);
  }

  static Task task(String id) {
    Instant t = Instant.parse("2020-01-01T00:00:00Z");
    return new Task(
        id,
        "q",
        "n",
        null,
        0,
        t,
        null,
        1,
        1,
        TaskState.WORKING,
        new Lease("w", "tok", t.plusSeconds(30)),
        null,
        null,
        null,
        t,
        t,
        false,
        null);
  }
}
