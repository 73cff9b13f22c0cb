package dev.stoker.jmh;

import dev.stoker.core.store.TaskStore;
import dev.stoker.server.StokerServer;
import dev.stoker.store.embedded.EmbeddedStore;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP claim round trip against a real server on the embedded store, beside its reference: a
 * bare "hello" server on the same HTTP stack (Helidon SE) in the same JVM. 16 threads, one
 * keep-alive connection each, as {@code stoker bench} drives it; the target is {@code
 * claim} ≥ 50 % of {@code hello}. {@code claim} takes one task per request and leaves it working
 * (as the bench's claims reference does); {@code claimAndComplete} is a W1 worker's cycle, two
 * requests per op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(16)
public class HttpClaimBench {
  static final String QUEUE = "jmh";
  static final byte[] CLAIM = "{\"worker\":\"jmh\"}".getBytes(StandardCharsets.UTF_8);
  static final byte[] REFILL = refillBody(1_000);

  Path dir;
  TaskStore store;
  StokerServer server;
  WebServer hello;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = Files.createTempDirectory("stoker-jmh-http-");
    store = EmbeddedStore.open(dir);
    server = StokerServer.start(store, withFreePort(StokerServer.Config.defaults()));
    byte[] text = "hello".getBytes(StandardCharsets.US_ASCII);
    hello =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .shutdownHook(false)
            .routing(r -> r.get("/hello", (req, res) -> res.send(text)))
            .build()
            .start();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    hello.stop();
    server.close();
    store.close();
    TempDirs.delete(dir);
  }

  /** Each benchmark thread's connections. */
  @State(Scope.Thread)
  public static class Client {
    Connection stoker;
    Connection bare;

    @Setup(Level.Trial)
    public void connect(HttpClaimBench b) throws IOException {
      stoker = new Connection(b.server.port());
      bare = new Connection(b.hello.port());
    }

    @TearDown(Level.Trial)
    public void disconnect() throws IOException {
      stoker.close();
      bare.close();
    }
  }

  @Benchmark
  public byte[] hello(Client c) throws IOException {
    return c.bare.get("/hello");
  }

  @Benchmark
  public byte[] claim(Client c) throws IOException {
    return claimOne(c.stoker);
  }

  @Benchmark
  public byte[] claimAndComplete(Client c) throws IOException {
    byte[] reply = claimOne(c.stoker);
    String id = field(reply, "\"id\":\"");
    String token = field(reply, "\"token\":\"");
    byte[] done =
        c.stoker.post(
            "/v1/tasks/" + id + "/complete",
            ("{\"token\":\"" + token + "\",\"result\":{\"ok\":true}}")
                .getBytes(StandardCharsets.UTF_8));
    check(c.stoker, 200, done);
    return done;
  }

  private static byte[] claimOne(Connection http) throws IOException {
    while (true) {
      byte[] reply = http.post("/v1/queues/" + QUEUE + "/claim", CLAIM);
      check(http, 200, reply);
      if (reply.length > "{\"tasks\":[]}".length()) {
        return reply;
      }
      check(http, 201, http.post("/v1/queues/" + QUEUE + "/tasks", REFILL));
    }
  }

  private static void check(Connection http, int expected, byte[] body) {
    if (http.status() != expected) {
      throw new IllegalStateException(
          "HTTP " + http.status() + ": " + new String(body, StandardCharsets.UTF_8));
    }
  }

  /**
   * The string value after {@code prefix} in a reply of ours (ids and tokens need no unescaping).
   */
  private static String field(byte[] json, String prefix) {
    String s = new String(json, StandardCharsets.UTF_8);
    int from = s.indexOf(prefix) + prefix.length();
    return s.substring(from, s.indexOf('"', from));
  }

  private static StokerServer.Config withFreePort(StokerServer.Config c) {
    return new StokerServer.Config(
        c.host(),
        0,
        c.maxBodyBytes(),
        c.maxHeaderBytes(),
        c.limits(),
        c.readTimeout(),
        c.shutdownGrace());
  }

  private static byte[] refillBody(int n) {
    StringBuilder b = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"name\":\"bench\",\"params\":")
          .append(Payload.PARAMS)
          .append('}');
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
