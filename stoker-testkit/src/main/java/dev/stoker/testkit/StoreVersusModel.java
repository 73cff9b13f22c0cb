package dev.stoker.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.stoker.core.Outcome;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskSpec;
import dev.stoker.core.store.ClaimParams;
import dev.stoker.core.store.Completion;
import dev.stoker.core.store.EnqueueResult;
import dev.stoker.core.store.FailParams;
import dev.stoker.core.store.SettingsPatch;
import dev.stoker.core.store.TaskStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs sequences of store operations on a store and on the reference model ({@link ModelStore}):
 * given the same operations at the same times they must give the same answers and hold the same
 * tasks. A backend's fuzz test feeds it the fuzzer's data (docs/fuzzing.md); the embedded and
 * PostgreSQL stores replay one corpus.
 *
 * <p>Each sequence is up to 40 operations (enqueue, claim, heartbeat, complete, fail, release,
 * cancel, redrive, retry, time passing) on a queue of its own in the long-lived store under test,
 * and on a fresh model. Task ids differ between the two, so tasks are named by the order of their
 * enqueue (ids are strictly increasing in both, so claim order agrees too). The queue's backoff is
 * zero: jitter draws randomness differently in each store.
 *
 * <p>It reads Jazzer's {@link FuzzedDataProvider}, which the testkit does not bring along: a fuzz
 * test that uses this class has Jazzer ({@code jazzer-junit}, test scope) already.
 */
public final class StoreVersusModel {
  private static final long[] STEPS = {0, 1, 500, 999, 1000, 1001, 5000, 60_000};
  private static final TaskId NO_SUCH_TASK = new TaskId(1, 1);

  private final ManualClock clock;
  private final TaskStore store;
  private int runs;

  /**
   * Compares {@code store}, whose wall clock is {@code clock}, with the model over the same clock.
   */
  public StoreVersusModel(ManualClock clock, TaskStore store) {
    this.clock = clock;
    this.store = store;
  }

  /**
   * The store and a fresh model, and per task (in enqueue order) its id and latest token in each.
   */
  private final class Pair {
    final TaskStore model = new ModelStore(clock, 1);
    final String queue = "fuzz-" + (++runs);
    final List<TaskId> modelIds = new ArrayList<>();
    final List<TaskId> storeIds = new ArrayList<>();
    final List<String> modelTokens = new ArrayList<>();
    final List<String> storeTokens = new ArrayList<>();

    /**
     * Runs {@code op} on both stores and checks the answers agree once ids are replaced by order.
     */
    <T> void both(String what, Function<TaskStore, T> op, Function<T, Object> view) {
      Object m = view.apply(op.apply(model));
      Object e = view.apply(op.apply(store));
      assertThat(e).as("%s on %s", what, queue).isEqualTo(m);
    }

    int index(TaskId id) {
      int i = modelIds.indexOf(id);
      return i >= 0 ? i : storeIds.indexOf(id);
    }

    /** What a client can see of a task, with its id replaced by its enqueue order. */
    Object view(Task t) {
      if (t == null) {
        return null;
      }
      return List.of(
          index(t.id()),
          t.name(),
          String.valueOf(t.paramsJson()),
          t.priority(),
          t.runAt(),
          String.valueOf(t.uniqueKey()),
          t.maxAttempts(),
          t.attempt(),
          t.state(),
          t.lease() == null
              ? "-"
              : t.lease().owner() + "@" + t.lease().expiresAt() + " " + t.lease().progressJson(),
          String.valueOf(t.resultJson()),
          String.valueOf(t.lastError()),
          t.createdAt(),
          t.updatedAt());
    }

    Object view(Outcome o) {
      return switch (o) {
        case Outcome.Ok ok -> List.of("ok", view(ok.task()));
        case Outcome.NotFound nf -> List.of("not-found");
        case Outcome.StaleToken st -> List.of("stale", view(st.current()));
        case Outcome.AlreadyFinished af -> List.of("finished", view(af.current()));
        case Outcome.NotRetryable nr -> List.of("not-retryable", view(nr.current()));
        case Outcome.KeyHeld kh -> List.of("key-held", view(kh.current()), index(kh.holder()));
      };
    }

    TaskId id(TaskStore s, int i) {
      return (s == model ? modelIds : storeIds).get(i);
    }

    String token(TaskStore s, int i, boolean stale) {
      if (stale) {
        return "t-not-a-token";
      }
      return (s == model ? modelTokens : storeTokens).get(i);
    }

    void remember(TaskStore s, List<Task> tasks) {
      List<TaskId> ids = s == model ? modelIds : storeIds;
      List<String> tokens = s == model ? modelTokens : storeTokens;
      for (Task t : tasks) {
        int i = ids.indexOf(t.id());
        if (i < 0) {
          ids.add(t.id());
          tokens.add(t.lease() == null ? "" : t.lease().token());
        } else if (t.lease() != null) {
          tokens.set(i, t.lease().token());
        }
      }
    }
  }

  /** Runs one sequence, as {@code data} chooses it, on the store and on a fresh model. */
  public void run(FuzzedDataProvider data) {
    Pair p = new Pair();
    SettingsPatch zeroBackoff = new SettingsPatch(null, null, 0L, 1.0, 0L, null, null);
    p.both("settings", s -> s.queueUpdate(p.queue, zeroBackoff), settings -> settings);
    int ops = data.consumeInt(1, 40);
    for (int n = 0; n < ops && data.remainingBytes() > 0; n++) {
      int tasks = p.modelIds.size();
      int op = data.consumeInt(0, tasks == 0 ? 2 : 11);
      switch (op) {
        case 0 -> {
          List<TaskSpec> specs = new ArrayList<>();
          for (int i = data.consumeInt(1, 3); i > 0; i--) {
            specs.add(
                new TaskSpec(
                    "t" + data.consumeInt(0, 3),
                    "{\"n\":" + n + "}",
                    data.consumeInt(-1, 1),
                    null,
                    data.consumeBoolean() ? null : data.pickValue(new long[] {0, 1000}),
                    data.consumeBoolean() ? null : "k" + data.consumeInt(0, 2),
                    data.consumeBoolean() ? null : data.consumeInt(1, 3)));
          }
          p.both(
              "enqueue",
              s -> {
                List<EnqueueResult> r = s.taskEnqueueMany(p.queue, specs);
                p.remember(s, r.stream().map(EnqueueResult::task).toList());
                return r;
              },
              r -> r.stream().map(e -> List.of(p.view(e.task()), e.duplicate())).toList());
        }
        case 1 -> {
          ClaimParams claim =
              new ClaimParams(
                  p.queue,
                  "w" + data.consumeInt(0, 2),
                  data.consumeInt(1, 3),
                  data.consumeBoolean() ? null : data.pickValue(new long[] {1, 1000, 5000}),
                  0);
          p.both(
              "claim",
              s -> {
                List<Task> r = s.taskClaimMany(claim);
                p.remember(s, r);
                return r;
              },
              r -> r.stream().map(p::view).toList());
        }
        case 2 -> {
          clock.advanceMillis(data.pickValue(STEPS));
          // A store may apply time-driven changes (expired leases, due tasks) in its write path
          // only,
          // as the conformance suite allows: one harmless write lets it catch up, as any write
          // would.
          store.taskCancel(NO_SUCH_TASK);
        }
        case 3 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          Long lease = data.consumeBoolean() ? null : data.pickValue(new long[] {1, 2000});
          String progress = data.consumeBoolean() ? null : "{\"at\":" + clock.millis() + "}";
          p.both(
              "heartbeat " + i,
              s -> s.taskHeartbeat(p.id(s, i), p.token(s, i, stale), lease, progress),
              p::view);
        }
        case 4 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          p.both(
              "complete " + i,
              s -> s.taskComplete(p.id(s, i), p.token(s, i, stale), "{\"r\":" + i + "}"),
              p::view);
        }
        case 5 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          boolean permanent = data.consumeBoolean();
          Long retryIn = data.consumeBoolean() ? null : data.pickValue(new long[] {0, 1000});
          p.both(
              "fail " + i,
              s ->
                  s.taskFail(
                      new FailParams(p.id(s, i), p.token(s, i, stale), "boom", permanent, retryIn)),
              p::view);
        }
        case 6 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          long delay = data.pickValue(new long[] {0, 1000});
          p.both(
              "release " + i, s -> s.taskRelease(p.id(s, i), p.token(s, i, stale), delay), p::view);
        }
        case 7 -> {
          int i = data.consumeInt(0, tasks - 1);
          p.both("cancel " + i, s -> s.taskCancel(p.id(s, i)), p::view);
        }
        case 8 ->
            p.both("redrive", s -> s.queueRedrive(p.queue, data.consumeInt(1, 3)), moved -> moved);
        case 9 -> {
          int i = data.consumeInt(0, tasks - 1);
          List<Completion> many =
              List.of(new Completion(p.modelIds.get(i), p.modelTokens.get(i), "1"));
          List<Completion> manyS =
              List.of(new Completion(p.storeIds.get(i), p.storeTokens.get(i), "1"));
          p.both(
              "complete-many " + i,
              s -> s.taskCompleteMany(s == p.model ? many : manyS),
              r -> r.stream().map(p::view).toList());
        }
        case 11 -> {
          int i = data.consumeInt(0, tasks - 1);
          p.both("retry " + i, s -> s.taskRetry(p.id(s, i)), p::view);
        }
        default -> {
          int i = data.consumeInt(0, tasks - 1);
          p.both("get " + i, s -> s.taskGet(p.id(s, i)).orElse(null), p::view);
        }
      }
      p.both("counts", s -> s.queueGet(p.queue).counts(), c -> c);
    }
  }
}
