package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import dev.stoker.core.Lease;
import dev.stoker.core.LeaseToken;
import dev.stoker.core.Limits;
import dev.stoker.core.Task;
import dev.stoker.core.TaskId;
import dev.stoker.core.TaskState;
import dev.stoker.core.Version;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Task JSON on the server's hot path: encoding a claimed task (the body of a W1 claim reply, with
 * its signed lease token and four timestamps), and decoding the bodies a worker and a producer send
 * (a complete, a complete that claims the next task, an enqueue), and encoding the reply to a
 * complete that claimed (the finished task and the next one). In the server's package because the
 * codec is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TaskJsonBench {
  /** ~200 bytes of params, as in the W1 workload. */
  static final String PARAMS = dev.stoker.jmh.Payload.PARAMS;

  final JsonFactory json = Json.factory(8 << 20);
  final Requests requests = new Requests(json, Limits.DEFAULT);
  final TokenSigner signer = new TokenSigner(new byte[32]);
  final Task claimed = claimedTask();
  final byte[] completeBody =
      ("{\"token\":\"" + signer.sign(claimed.lease().token()) + "\",\"result\":{\"ok\":true}}")
          .getBytes(StandardCharsets.UTF_8);
  final byte[] completeAndClaimBody =
      ("{\"token\":\""
              + signer.sign(claimed.lease().token())
              + "\",\"result\":{\"ok\":true},\"claim\":{\"worker\":\"worker-7\",\"max\":1}}")
          .getBytes(StandardCharsets.UTF_8);
  final byte[] enqueueBody =
      ("{\"name\":\"bench\",\"params\":" + PARAMS + "}").getBytes(StandardCharsets.UTF_8);

  static Task claimedTask() {
    long now = 1_763_900_000_123L;
    TaskId id = new TaskId(now << 16, 0x1234_5678_9abc_def0L);
    Version v = new Version(0, 0, Version.RANK_LIVE, 0, Version.PHASE_WORKING, now << 16, 0);
    return new Task(
        id,
        "bench-w1",
        "bench",
        PARAMS,
        0,
        now - 5,
        null,
        3,
        1,
        TaskState.WORKING,
        v,
        new Lease("worker-7", LeaseToken.of(id, v).encode(), now + 30_000),
        null,
        null,
        now - 5,
        now);
  }

  @Benchmark
  public byte[] encodeClaimed() {
    return Json.write(json, g -> Json.task(g, claimed, signer, false));
  }

  @Benchmark
  public Requests.TokenBody decodeComplete() {
    return requests.tokenBody(completeBody, "token", "result");
  }

  /**
   * The W1 worker's one request per task: the claim part must cost little more than {@link
   * #decodeComplete}.
   */
  @Benchmark
  public Requests.TokenBody decodeCompleteAndClaim() {
    return requests.tokenBody(completeAndClaimBody, "token", "result", "claim");
  }

  /**
   * The reply to a complete that claimed: the finished task's fields, then {@code "next"} with one
   * claimed task.
   */
  @Benchmark
  public byte[] encodeCompletedWithNext() {
    return Json.write(
        json,
        g -> {
          g.writeStartObject();
          Json.taskFields(g, claimed, null, false);
          g.writeObjectFieldStart("next");
          g.writeArrayFieldStart("tasks");
          Json.task(g, claimed, signer, false);
          g.writeEndArray();
          g.writeEndObject();
          g.writeEndObject();
        });
  }

  @Benchmark
  public Requests.Enqueue decodeEnqueue() {
    return requests.enqueue(enqueueBody);
  }
}
