package dev.stoker.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The group-commit batcher on its own, with a batch function in place of a transaction: which
 * requests go together, who gets which answer, and what a failing or closed batch does to whom.
 * Requests are lined up deterministically: the first batch is held while the others queue behind it
 * ({@link Combiner#queued()} says when they have), then released.
 */
class CombinerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** Records every batch, answers {@code n -> 10 n}, holds the first batch until released. */
  private static final class Batches implements Function<List<Integer>, List<Integer>> {
    final List<List<Integer>> seen = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch firstEntered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile Integer poison;

    /**
     * The poisoned batch throws a checked exception (sneakily), as no Function should but a bug
     * might.
     */
    volatile boolean poisonChecked;

    volatile boolean closed;

    @Override
    public List<Integer> apply(List<Integer> batch) {
      seen.add(List.copyOf(batch));
      if (firstEntered.getCount() > 0) {
        firstEntered.countDown();
        await(release);
      }
      if (closed) {
        throw new StoreUnavailableException("the store is closed");
      }
      if (poison != null && batch.contains(poison) && poisonChecked) {
        return sneakyThrow(new IOException("batch with " + poison + " failed"));
      }
      if (poison != null && batch.contains(poison)) {
        throw new IllegalStateException("batch with " + poison + " failed");
      }
      return batch.stream().map(n -> n * 10).toList();
    }
  }

  /** A request under way on its own thread: its answer, or what it threw. */
  private static CompletableFuture<Integer> submit(Combiner<Integer, Integer> c, int n) {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("request-" + n)
        .start(
            () -> {
              try {
                f.complete(c.submit(n));
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            });
    return f;
  }

  /**
   * Submits 0, whose batch is held; then 1..n, one after the other, each queued before the next.
   */
  private static List<CompletableFuture<Integer>> lineUp(
      Combiner<Integer, Integer> c, Batches b, int n) {
    List<CompletableFuture<Integer>> out = new ArrayList<>();
    out.add(submit(c, 0));
    await(b.firstEntered);
    for (int i = 1; i <= n; i++) {
      out.add(submit(c, i));
      int queued = i;
      Awaitility.await()
          .atMost(PATIENCE)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> c.queued() == queued);
    }
    return out;
  }

  @Test
  void a_request_alone_runs_at_once_in_a_batch_of_its_own() {
    Batches b = new Batches();
    b.release.countDown();
    Combiner<Integer, Integer> c = new Combiner<>(b, 64);
    assertThat(c.submit(7)).isEqualTo(70);
    assertThat(c.submit(8)).isEqualTo(80);
    assertThat(b.seen).containsExactly(List.of(7), List.of(8));
  }

  @Test
  void requests_arriving_while_a_batch_runs_go_together_in_the_next_one_in_arrival_order() {
    Batches b = new Batches();
    Combiner<Integer, Integer> c = new Combiner<>(b, 64);
    List<CompletableFuture<Integer>> answers = lineUp(c, b, 20);
    assertThat(b.seen).as("nothing runs beside the held batch").containsExactly(List.of(0));

    b.release.countDown();

    for (int i = 0; i <= 20; i++) {
      assertThat(answers.get(i))
          .as("request %d gets its own answer", i)
          .succeedsWithin(PATIENCE)
          .isEqualTo(i * 10);
    }
    assertThat(b.seen).containsExactly(List.of(0), IntStream.rangeClosed(1, 20).boxed().toList());
    assertThat(c.queued()).isZero();
  }

  @Test
  void a_queue_longer_than_the_batch_limit_is_split_first_come_first_served() {
    Batches b = new Batches();
    Combiner<Integer, Integer> c = new Combiner<>(b, 4);
    List<CompletableFuture<Integer>> answers = lineUp(c, b, 10);

    b.release.countDown();

    for (int i = 0; i <= 10; i++) {
      assertThat(answers.get(i)).succeedsWithin(PATIENCE).isEqualTo(i * 10);
    }
    assertThat(b.seen)
        .containsExactly(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(9, 10));
  }

  @Test
  void a_failing_batch_fails_exactly_its_own_requests_and_the_next_batches_still_run() {
    assertOnlyThePoisonedBatchFails(false, IllegalStateException.class);
  }

  @Test
  void
      a_batch_throwing_a_checked_exception_in_the_background_fails_its_requests_instead_of_stranding_them() {
    assertOnlyThePoisonedBatchFails(true, IOException.class);
  }

  private static void assertOnlyThePoisonedBatchFails(
      boolean checked, Class<? extends Throwable> expected) {
    Batches b = new Batches();
    b.poison = 6;
    b.poisonChecked = checked;
    Combiner<Integer, Integer> c = new Combiner<>(b, 4);
    List<CompletableFuture<Integer>> answers = lineUp(c, b, 10);

    b.release.countDown();

    List<Integer> failed = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      CompletableFuture<Integer> f = answers.get(i);
      Awaitility.await().atMost(PATIENCE).until(f::isDone);
      if (f.isCompletedExceptionally()) {
        assertThatThrownBy(f::join)
            .hasRootCauseInstanceOf(expected)
            .hasRootCauseMessage("batch with 6 failed");
        failed.add(i);
      } else {
        assertThat(f.join()).isEqualTo(i * 10);
      }
    }
    assertThat(failed).as("the batch [5, 6, 7, 8] and no other").containsExactly(5, 6, 7, 8);
    assertThat(c.submit(11)).as("the combiner is not stuck").isEqualTo(110);
  }

  @Test
  void a_batch_with_the_wrong_number_of_answers_fails_rather_than_hand_out_someone_elses() {
    Combiner<Integer, Integer> c = new Combiner<>(batch -> List.of(1), 64);
    assertThat(c.submit(5)).isEqualTo(1);
    Combiner<Integer, Integer> none = new Combiner<>(batch -> List.of(), 64);
    assertThatThrownBy(() -> none.submit(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a batch of 1 requests gave 0 answers");
  }

  @Test
  void whatever_a_batch_throws_reaches_its_requests_instead_of_leaving_them_waiting() {
    Combiner<Integer, Integer> error =
        new Combiner<>(
            batch -> {
              throw new AssertionError("bug");
            },
            64);
    assertThatThrownBy(() -> error.submit(1)).isInstanceOf(AssertionError.class).hasMessage("bug");

    Combiner<Integer, Integer> checked =
        new Combiner<>(batch -> sneakyThrow(new IOException("disk")), 64);
    assertThatThrownBy(() -> checked.submit(1)).hasRootCauseInstanceOf(IOException.class);
    assertThatThrownBy(() -> checked.submit(2))
        .as("and the next request runs too")
        .hasRootCauseInstanceOf(IOException.class);
  }

  @Test
  void requests_queued_when_the_store_closes_get_its_error_and_none_is_left_waiting() {
    Batches b = new Batches();
    Combiner<Integer, Integer> c = new Combiner<>(b, 4);
    List<CompletableFuture<Integer>> answers = lineUp(c, b, 6);

    b.closed = true; // as PostgresStore.close(): the batches that run from now on find no database
    b.release.countDown();

    for (CompletableFuture<Integer> f : answers) {
      Awaitility.await().atMost(PATIENCE).until(f::isDone);
      assertThatThrownBy(f::join).hasCauseInstanceOf(StoreUnavailableException.class);
    }
    assertThat(c.queued()).isZero();
    assertThatThrownBy(() -> c.submit(7))
        .as("a request after close runs alone and fails at once")
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(b.seen).containsExactly(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6), List.of(7));
  }

  @Test
  void many_concurrent_requests_each_get_their_own_answer_and_are_in_exactly_one_batch()
      throws Exception {
    Batches b = new Batches();
    b.release.countDown();
    Combiner<Integer, Integer> c = new Combiner<>(b, 64);
    int n = 2_000;
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int i = 0; i < n; i++) {
      int item = i;
      CompletableFuture<Integer> f = new CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                await(start);
                f.complete(c.submit(item));
              });
      answers.add(f);
    }
    start.countDown();
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (int i = 0; i < n; i++) {
      assertThat(answers.get(i).join()).isEqualTo(i * 10);
    }
    List<Integer> all = b.seen.stream().flatMap(List::stream).sorted().toList();
    assertThat(all)
        .as("every request in exactly one batch")
        .isEqualTo(IntStream.range(0, n).boxed().toList());
    assertThat(b.seen).allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 64));
  }

  @Test
  void
      with_two_in_flight_a_second_batch_runs_while_the_first_is_held_and_a_third_waits_for_either() {
    Batches b = new Batches();
    Combiner<Integer, Integer> c = new Combiner<>(b, 64, 2, r -> Thread.ofVirtual().start(r));
    CompletableFuture<Integer> first = submit(c, 0);
    await(b.firstEntered);
    CompletableFuture<Integer> second = submit(c, 1);
    assertThat(second).succeedsWithin(PATIENCE).isEqualTo(10); // not behind the held batch

    CompletableFuture<Integer> third = submit(c, 2); // one slot free: runs at once too
    assertThat(third).succeedsWithin(PATIENCE).isEqualTo(20);
    b.release.countDown();
    assertThat(first).succeedsWithin(PATIENCE).isEqualTo(0);
    assertThat(b.seen).containsExactlyInAnyOrder(List.of(0), List.of(1), List.of(2));
  }

  @Test
  void a_combiner_needs_positive_limits() {
    assertThatThrownBy(() -> new Combiner<Integer, Integer>(List::copyOf, 64, 0, Runnable::run))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Combiner<Integer, Integer>(List::copyOf, 0, 1, Runnable::run))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("gave up waiting");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable, R> R sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }
}
