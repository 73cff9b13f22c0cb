package dev.stoker.store.embedded;

import dev.stoker.core.Clock;
import dev.stoker.core.Hlc;
import dev.stoker.core.Outcome;
import dev.stoker.core.QueueSettings;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.LeaseTokenKeySource;
import dev.stoker.core.store.ListParams;
import dev.stoker.core.store.Page;
import dev.stoker.core.store.PageBuilder;
import dev.stoker.core.store.QueueCounts;
import dev.stoker.core.store.QueueInfo;
import dev.stoker.core.store.RedriveResult;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.StoreObserver;
import dev.stoker.core.store.StoreUnavailableException;
import dev.stoker.core.store.TaskChange;
import dev.stoker.core.store.TaskStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The default store: tasks in a RocksDB database in one directory, every write synced before it is
 * acknowledged, concurrent writes sharing one sync. See docs/storage.md for the layout and
 * docs/adr/0001 for why RocksDB.
 *
 * <pre>{@code
 * try (TaskStore store = EmbeddedStore.open(Path.of("stoker-data"))) { ... }
 * }</pre>
 */
public final class EmbeddedStore implements TaskStore, LeaseTokenKeySource {
  private final Storage storage;
  private final Sequencer sequencer;
  private final byte[] leaseTokenKey;
  private final Replication replication;

  private EmbeddedStore(
      Storage storage, Sequencer sequencer, byte[] leaseTokenKey, Replication replication) {
    this.storage = storage;
    this.sequencer = sequencer;
    this.leaseTokenKey = leaseTokenKey;
    this.replication = replication;
  }

  /** Opens (or creates) the store in {@code dir} with the system clock. */
  public static EmbeddedStore open(Path dir) {
    return open(dir, Clock.system(), 0, RandomGenerator.getDefault());
  }

  /**
   * Opens (or creates) the store in {@code dir}.
   *
   * @param clock the wall clock for run_at, leases and retention
   * @param node this node's id (0..65535), part of every task id and version
   * @param random the source of task-id entropy and backoff jitter
   */
  public static EmbeddedStore open(Path dir, Clock clock, int node, RandomGenerator random) {
    return open(dir, clock, node, random, -1);
  }

  /**
   * Opens (or creates) the store in {@code dir} as node {@code node} of an AP cluster
   * (docs/backends/cluster.md): every change is also an event of this node's log, synced with it,
   * and {@link #replication()} receives and serves events. It hands out nothing until given its
   * {@link DispatchRights}.
   *
   * @param maxOffsetMs the largest clock difference assumed between nodes: a lease ends only when
   *     {@code now − max_offset > expires_at}
   */
  public static EmbeddedStore openCluster(
      Path dir, Clock clock, int node, RandomGenerator random, long maxOffsetMs) {
    if (maxOffsetMs < 0) {
      throw new IllegalArgumentException("max_offset must be ≥ 0");
    }
    return open(dir, clock, node, random, maxOffsetMs);
  }

  private static EmbeddedStore open(
      Path dir, Clock clock, int node, RandomGenerator random, long maxOffsetMs) {
    Storage storage;
    try {
      storage = new Storage(dir);
    } catch (RocksDBException e) {
      throw new StoreUnavailableException(
          "cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
    try {
      Hlc hlc = new Hlc(clock);
      hlc.observe(storage.storedHlc());
      byte[] key = storage.leaseTokenKey();
      ClusterLog cluster = maxOffsetMs < 0 ? null : new ClusterLog(storage, hlc, node, maxOffsetMs);
      Sequencer sequencer =
          new Sequencer(
              storage, new Operations(storage, hlc, node, random, cluster), clock, cluster);
      sequencer.start();
      return new EmbeddedStore(
          storage, sequencer, key, cluster == null ? null : new Replication(cluster, sequencer));
    } catch (RocksDBException | RuntimeException e) {
      storage.close();
      throw new StoreUnavailableException(
          "cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<EnqueueResult> taskEnqueueMany(String queue, List<TaskSpec> specs) {
    return sequencer.submit((ops, b) -> ops.enqueue(b, queue, specs));
  }

  @Override
  public List<Task> taskClaimMany(ClaimParams params) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(params.waitMs());
    return sequencer.submit(new Sequencer.Claim(params, deadline));
  }

  @Override
  public Outcome taskHeartbeat(TaskId id, String token, Long leaseMs, String progressJson) {
    return sequencer.submit(
        (ops, b) -> ops.change(b, new TaskChange.Heartbeat(id, token, leaseMs, progressJson)));
  }

  @Override
  public Outcome taskComplete(TaskId id, String token, String resultJson) {
    return taskCompleteMany(List.of(new Completion(id, token, resultJson))).get(0);
  }

  @Override
  public List<Outcome> taskCompleteMany(List<Completion> completions) {
    return sequencer.submit(
        (ops, b) -> {
          List<Outcome> out = new ArrayList<>(completions.size());
          for (Completion c : completions) {
            out.add(ops.change(b, c));
          }
          return out;
        });
  }

  @Override
  public Outcome taskFail(FailParams params) {
    return sequencer.submit((ops, b) -> ops.change(b, params));
  }

  @Override
  public Outcome taskRelease(TaskId id, String token, long delayMs) {
    return sequencer.submit((ops, b) -> ops.change(b, new TaskChange.Release(id, token, delayMs)));
  }

  @Override
  public Outcome taskCancel(TaskId id) {
    return sequencer.submit((ops, b) -> ops.change(b, new TaskChange.Cancel(id)));
  }

  @Override
  public Outcome taskRetry(TaskId id) {
    return sequencer.submit((ops, b) -> ops.retry(b, id));
  }

  @Override
  public RedriveResult queueRedrive(String queue, int limit) {
    return sequencer.submit((ops, b) -> ops.redrive(b, queue, limit));
  }

  @Override
  public QueueSettings queueUpdate(String queue, SettingsPatch patch) {
    return sequencer.submit((ops, b) -> ops.updateSettings(b, queue, patch));
  }

  @Override
  public Optional<Task> taskGet(TaskId id) {
    try {
      byte[] bytes = storage.db.get(storage.tasks, Keys.task(id));
      if (bytes == null) {
        return Optional.empty();
      }
      return Optional.of(
          Codec.decodeTask(bytes, storage.catalog.byId(Codec.queueOf(bytes)).name).task());
    } catch (RocksDBException e) {
      throw new StoreUnavailableException("read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Page taskList(ListParams p) {
    PageBuilder page = new PageBuilder(p);
    QueueState q = storage.catalog.byName(p.queue());
    if (q == null) {
      return page.page();
    }
    byte[] prefix =
        p.state() == null ? Keys.queuePrefix(q.id) : Keys.byStatePrefix(q.id, p.state());
    byte[] from = prefix;
    if (page.after() != null) {
      byte[] at =
          p.state() == null
              ? Keys.byQueue(q.id, page.after())
              : Keys.byState(q.id, p.state(), page.after());
      from = Arrays.copyOf(at, at.length + 1);
    }
    try (RocksIterator it =
        storage.db.newIterator(p.state() == null ? storage.byQueue : storage.byState)) {
      for (it.seek(from); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
        if (!page.wantsNextRow()) {
          break;
        }
        TaskId id = Keys.trailingId(it.key());
        page.add(id, taskGet(id).orElse(null));
      }
    }
    return page.page();
  }

  @Override
  public QueueInfo queueGet(String queue) {
    QueueState q = storage.catalog.byName(queue);
    return q == null
        ? new QueueInfo(queue, QueueCounts.ZERO, QueueSettings.DEFAULT)
        : new QueueInfo(q.name, q.counts(), q.settings());
  }

  @Override
  public List<QueueInfo> queueList() {
    return storage.catalog.all().stream()
        .map(q -> new QueueInfo(q.name, q.counts(), q.settings()))
        .toList();
  }

  /** The cluster side of a store opened with {@link #openCluster}; null otherwise. */
  public Replication replication() {
    return replication;
  }

  @Override
  public byte[] leaseTokenKey() {
    return leaseTokenKey.clone();
  }

  @Override
  public void observe(StoreObserver observer) {
    sequencer.observe(observer);
  }

  @Override
  public void drain() {
    sequencer.drain();
  }

  @Override
  public void close() {
    sequencer.stop();
    storage.close();
  }
}
