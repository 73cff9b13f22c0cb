package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.TaskStore;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The port's contract on reads against writes in flight (the contract in {@link TaskStore}'s
 * Javadoc).
 */
public abstract class ReadsAndAcknowledgementsContract extends StoreFixture {
  protected ReadsAndAcknowledgementsContract(StoreBackend backend) {
    super(backend);
  }

  private static final int BATCH = 10;
  private static final int BATCHES = 30;

  @Test
  void reads_show_every_acknowledged_write_and_each_write_whole() throws Exception {
    AtomicInteger acknowledged = new AtomicInteger();
    Future<?> writer =
        async(
            () -> {
              for (int i = 0; i < BATCHES; i++) {
                putMany(BATCH);
                acknowledged.incrementAndGet();
              }
              return null;
            });
    boolean done = false;
    while (!done) {
      done = writer.isDone();
      int before = acknowledged.get();
      int listed = store.taskList(new ListParams(QUEUE, null, null, 1_000, null)).tasks().size();
      long counted = counts().pending();
      int after = acknowledged.get();

      for (long seen : new long[] {listed, counted}) {
        assertThat(seen % BATCH).as("a batch is seen whole or not at all (seen %d)", seen).isZero();
        assertThat(seen)
            .as("every write acknowledged before the read")
            .isGreaterThanOrEqualTo(before * BATCH);
        // The one write in flight may show before its acknowledgement, nothing beyond it.
        assertThat(seen).isLessThanOrEqualTo((after + 1L) * BATCH);
      }
    }
    writer.get();
    assertThat(counts().pending()).isEqualTo(BATCH * BATCHES);
  }
}
