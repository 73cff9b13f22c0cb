package dev.stoker.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
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
import dev.stoker.testkit.ManualClock;
import dev.stoker.testkit.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes sequences of store operations: the embedded store and the reference model, given the same
 * operations at the same times, must give the same answers and hold the same tasks.
 *
 * <p>Each input is a sequence of up to 40 operations (enqueue, claim, heartbeat, complete, fail,
 * release, cancel, redrive, time passing) on a queue of its own in one long-lived embedded store,
 * and on a fresh model. Task ids differ between the two, so tasks are named by the order of their
 * enqueue (ids are strictly increasing in both, so claim order agrees too). The queue's backoff is
 * zero: jitter draws randomness differently in each store. In the suite this replays the inputs
 * under {@code src/test/resources/dev/stoker/store/embedded/StoreSequenceFuzzTestInputs/}; see
 * docs/fuzzing.md.
 */
class StoreSequenceFuzzTest {
  private static final ManualClock CLOCK = new ManualClock();
  private static final Path DIR = tempDir();
  private static final EmbeddedStore EMBEDDED = EmbeddedStore.open(DIR, CLOCK, 1, new SplittableRandom(7));
  private static final long[] STEPS = {0, 1, 500, 999, 1000, 1001, 5000, 60_000};
  private static final TaskId NO_SUCH_TASK = new TaskId(1, 1);
  private static int inputs;

  @AfterAll
  static void close() throws IOException {
    EMBEDDED.close();
    try (var files = Files.walk(DIR.getParent())) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** Both stores, and per task (in enqueue order) its id and latest token in each. */
  private static final class Pair {
    final TaskStore model = new ModelStore(CLOCK, 1);
    final String queue = "fuzz-" + (++inputs);
    final List<TaskId> modelIds = new ArrayList<>();
    final List<TaskId> embeddedIds = new ArrayList<>();
    final List<String> modelTokens = new ArrayList<>();
    final List<String> embeddedTokens = new ArrayList<>();

    /** Runs {@code op} on both stores and checks the answers agree once ids are replaced by order. */
    <T> void both(String what, Function<TaskStore, T> op, Function<T, Object> view) {
      Object m = view.apply(op.apply(model));
      Object e = view.apply(op.apply(EMBEDDED));
      assertThat(e).as("%s on %s", what, queue).isEqualTo(m);
    }

    int index(TaskId id) {
      int i = modelIds.indexOf(id);
      return i >= 0 ? i : embeddedIds.indexOf(id);
    }

    /** What a client can see of a task, with its id replaced by its enqueue order. */
    Object view(Task t) {
      if (t == null) {
        return null;
      }
      return List.of(index(t.id()), t.name(), String.valueOf(t.paramsJson()), t.priority(), t.runAt(),
          String.valueOf(t.uniqueKey()), t.maxAttempts(), t.attempt(), t.state(),
          t.lease() == null ? "-" : t.lease().owner() + "@" + t.lease().expiresAt(), String.valueOf(t.resultJson()),
          String.valueOf(t.lastError()), t.createdAt(), t.updatedAt());
    }

    Object view(Outcome o) {
      return switch (o) {
        case Outcome.Ok ok -> List.of("ok", view(ok.task()));
        case Outcome.NotFound nf -> List.of("not-found");
        case Outcome.StaleToken st -> List.of("stale", view(st.current()));
        case Outcome.AlreadyFinished af -> List.of("finished", view(af.current()));
      };
    }

    TaskId id(TaskStore s, int i) {
      return (s == model ? modelIds : embeddedIds).get(i);
    }

    String token(TaskStore s, int i, boolean stale) {
      if (stale) {
        return "t-not-a-token";
      }
      return (s == model ? modelTokens : embeddedTokens).get(i);
    }

    void remember(TaskStore s, List<Task> tasks) {
      List<TaskId> ids = s == model ? modelIds : embeddedIds;
      List<String> tokens = s == model ? modelTokens : embeddedTokens;
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

  @FuzzTest(maxDuration = "30s")
  void sequences(FuzzedDataProvider data) {
    Pair p = new Pair();
    SettingsPatch zeroBackoff = new SettingsPatch(null, null, 0L, 1.0, 0L, null, null);
    p.both("settings", s -> s.queueUpdate(p.queue, zeroBackoff), settings -> settings);
    int ops = data.consumeInt(1, 40);
    for (int n = 0; n < ops && data.remainingBytes() > 0; n++) {
      int tasks = p.modelIds.size();
      int op = data.consumeInt(0, tasks == 0 ? 2 : 10);
      switch (op) {
        case 0 -> {
          List<TaskSpec> specs = new ArrayList<>();
          for (int i = data.consumeInt(1, 3); i > 0; i--) {
            specs.add(new TaskSpec("t" + data.consumeInt(0, 3), "{\"n\":" + n + "}", data.consumeInt(-1, 1), null,
                data.consumeBoolean() ? null : data.pickValue(new long[] {0, 1000}),
                data.consumeBoolean() ? null : "k" + data.consumeInt(0, 2),
                data.consumeBoolean() ? null : data.consumeInt(1, 3)));
          }
          p.both("enqueue", s -> {
            List<EnqueueResult> r = s.taskEnqueueMany(p.queue, specs);
            p.remember(s, r.stream().map(EnqueueResult::task).toList());
            return r;
          }, r -> r.stream().map(e -> List.of(p.view(e.task()), e.duplicate())).toList());
        }
        case 1 -> {
          ClaimParams claim = new ClaimParams(p.queue, "w" + data.consumeInt(0, 2), data.consumeInt(1, 3),
              data.consumeBoolean() ? null : data.pickValue(new long[] {1, 1000, 5000}), 0);
          p.both("claim", s -> {
            List<Task> r = s.taskClaimMany(claim);
            p.remember(s, r);
            return r;
          }, r -> r.stream().map(p::view).toList());
        }
        case 2 -> {
          CLOCK.advanceMillis(data.pickValue(STEPS));
          // The sequencer sweeps (expires leases, promotes due tasks) at the start of each round, and
          // wakes by itself when the next one falls due by the clock it last read; a manual clock
          // jumps past that without waking it, so a round is started as any write would.
          EMBEDDED.taskCancel(NO_SUCH_TASK);
        }
        case 3 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          Long lease = data.consumeBoolean() ? null : data.pickValue(new long[] {1, 2000});
          p.both("heartbeat " + i, s -> s.taskHeartbeat(p.id(s, i), p.token(s, i, stale), lease), p::view);
        }
        case 4 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          p.both("complete " + i, s -> s.taskComplete(p.id(s, i), p.token(s, i, stale), "{\"r\":" + i + "}"), p::view);
        }
        case 5 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          boolean permanent = data.consumeBoolean();
          Long retryIn = data.consumeBoolean() ? null : data.pickValue(new long[] {0, 1000});
          p.both("fail " + i, s -> s.taskFail(new FailParams(p.id(s, i), p.token(s, i, stale), "boom", permanent,
              retryIn)), p::view);
        }
        case 6 -> {
          int i = data.consumeInt(0, tasks - 1);
          boolean stale = data.consumeBoolean();
          long delay = data.pickValue(new long[] {0, 1000});
          p.both("release " + i, s -> s.taskRelease(p.id(s, i), p.token(s, i, stale), delay), p::view);
        }
        case 7 -> {
          int i = data.consumeInt(0, tasks - 1);
          p.both("cancel " + i, s -> s.taskCancel(p.id(s, i)), p::view);
        }
        case 8 -> p.both("redrive", s -> s.queueRedrive(p.queue, data.consumeInt(1, 3)), moved -> moved);
        case 9 -> {
          int i = data.consumeInt(0, tasks - 1);
          List<Completion> many = List.of(new Completion(p.modelIds.get(i), p.modelTokens.get(i), "1"));
          List<Completion> manyE = List.of(new Completion(p.embeddedIds.get(i), p.embeddedTokens.get(i), "1"));
          p.both("complete-many " + i, s -> s.taskCompleteMany(s == p.model ? many : manyE),
              r -> r.stream().map(p::view).toList());
        }
        default -> {
          int i = data.consumeInt(0, tasks - 1);
          p.both("get " + i, s -> s.taskGet(p.id(s, i)).orElse(null), p::view);
        }
      }
      p.both("counts", s -> s.queueGet(p.queue).counts(), c -> c);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("stoker-fuzz-").resolve("store");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
