package dev.stoker.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.core.Task;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.Transition;
import dev.stoker.testkit.EtcdTemp;
import dev.stoker.testkit.ManualClock;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Other servers' transitions as a store over a real 3-member cluster reports them: those of another
 * store over the prefix, named from the record before and after, never the store's own; and a watch
 * that must resume from a compacted revision reports a miss, then goes on.
 */
class ElsewhereWatchTest {
  private static final String Q = "q";
  private final ManualClock clock = new ManualClock();
  private final String prefix = EtcdTemp.freshPrefix();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Recorder seen = new Recorder();

  /** What an observer was told, in order: a transition and its task id, or "missed". */
  static final class Recorder implements StoreObserver {
    final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

    @Override
    public void madeElsewhere(Transition transition, Task task) {
      reports.add(transition.wireName() + " " + task.id() + " by " + task.version().node());
    }

    @Override
    public void missedElsewhere() {
      reports.add("missed");
    }

    String next() throws InterruptedException {
      String r = reports.poll(20, TimeUnit.SECONDS);
      assertThat(r).as("a report within 20 s").isNotNull();
      return r;
    }
  }

  private EtcdStore server(int node) {
    EtcdStore s =
        EtcdStore.open(
            EtcdConfig.of(EtcdTemp.shared().endpoints()).withPrefix(prefix),
            clock,
            node,
            new SplittableRandom(node));
    open.add(s);
    return s;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private static Task enqueue(EtcdStore s) {
    return s.taskEnqueueMany(Q, List.of(TaskSpec.of("t", "{}"))).get(0).task();
  }

  @Test
  void another_servers_transitions_are_reported_and_the_stores_own_are_not() throws Exception {
    EtcdStore a = server(1);
    EtcdStore b = server(2);
    a.observe(seen);

    a.taskEnqueueMany("own", List.of(TaskSpec.of("t", "{}"))); // its own: not reported
    Task t = enqueue(b);
    assertThat(seen.next()).isEqualTo("enqueued " + t.id() + " by 2");
    Task claimed = b.taskClaimMany(new ClaimParams(Q, "w", 1, 60_000L, 0)).get(0);
    assertThat(claimed.id()).isEqualTo(t.id());
    assertThat(seen.next()).isEqualTo("claimed " + t.id() + " by 2");
    b.taskHeartbeat(t.id(), claimed.lease().token(), 120_000L); // no transition
    b.taskComplete(t.id(), claimed.lease().token(), "1");
    assertThat(seen.next()).isEqualTo("completed " + t.id() + " by 2");
    assertThat(seen.reports).as("nothing else").isEmpty();
  }

  @Test
  void a_watch_that_must_resume_from_a_compacted_revision_reports_a_miss_and_goes_on()
      throws Exception {
    EtcdStore b = server(2);
    Client client =
        Client.builder()
            .endpoints(
                java.util.Arrays.stream(EtcdTemp.shared().endpoints().split(","))
                    .map(URI::create)
                    .toArray(URI[]::new))
            .build();
    open.add(client);
    Etcd etcd = new Etcd(client, Duration.ofSeconds(5).toMillis());
    Keys keys = new Keys(EtcdConfig.of(EtcdTemp.shared().endpoints()).withPrefix(prefix).prefix());

    enqueue(b);
    long before = client.getKVClient().get(keys.tokenKey()).get().getHeader().getRevision();
    enqueue(b);
    long now = client.getKVClient().get(keys.tokenKey()).get().getHeader().getRevision();
    client.getKVClient().compact(now).get(); // the history after `before` is gone

    ElsewhereWatch watch = new ElsewhereWatch(etcd, keys, 1, () -> seen);
    open.add(watch);
    watch.watchAfter(before - 1);
    assertThat(seen.next()).isEqualTo("missed");

    Task later = enqueue(b);
    assertThat(seen.next()).isEqualTo("enqueued " + later.id() + " by 2");
  }
}
