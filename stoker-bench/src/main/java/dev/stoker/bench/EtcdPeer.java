package dev.stoker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The etcd work-queue recipe of the seed design: a queue is two key sets, {@code pending/} and
 * {@code running/}; a worker claims in one transaction that compares the pending key's {@code
 * mod_revision}, deletes it, puts it under {@code running/} and puts a lock bound to the worker's
 * lease; completing deletes the running key and the lock. A lost race (another worker moved the key
 * first) is retried. The producer writes each batch of 1,000 as 8 concurrent transactions of at
 * most 125 puts (etcd's default limit is 128 operations per transaction); idle workers watch the
 * pending prefix, and each keeps its lease alive. To spread the workers, a claim reads the first
 * {@code workers} pending keys and takes the one at the worker's index. W2 does not apply: with
 * three operations per task a transaction moves at most 42 tasks.
 *
 * <p>Spoken through etcd's JSON gateway ({@code /v3/…} on the client port) rather than jetcd: the
 * same transactions, leases and watches, without bringing jetcd's 46 jars (Netty, gRPC, Vert.x,
 * with a Netty version clash to settle) into the CLI for one benchmark peer. The gateway costs etcd
 * a JSON ↔ protobuf translation per request, which the rows of this peer include.
 */
final class EtcdPeer extends ClientPeer {
  static final String NAME = "etcd recipe";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();
  private static final int TXN_PUTS = 125;
  private static final int TXNS_IN_FLIGHT = 8;
  private static final int LEASE_SECONDS = 60;

  private final URI uri;
  private final String version;
  private final int members;
  private final HttpClient streams =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  EtcdPeer(BenchConfig config, PrintStream log, String params, String url) throws Exception {
    super(config, log, params, NAME);
    uri = URI.create(url);
    try (RawHttp http = new RawHttp(uri)) {
      version = JSON.readTree(ok(http.get("/version"))).path("etcdserver").asText();
      members =
          JSON.readTree(
                  ok(http.post("/v3/cluster/member/list", "{}".getBytes(StandardCharsets.UTF_8))))
              .path("members")
              .size();
    }
  }

  @Override
  public String durability() {
    return "etcd "
        + version
        + ", "
        + (members == 1 ? "single member" : members + " members")
        + ": the WAL is fdatasync'd before a raft entry commits (concurrent transactions share a sync)";
  }

  @Override
  public String noBatches() {
    return "a transaction holds at most 128 operations, 3 per claimed task";
  }

  private static String prefix(String queue, String set) {
    return "q/" + queue + "/" + set + "/";
  }

  private static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The end of a prefix range: the prefix with its last byte incremented. */
  private static String rangeEnd(String prefix) {
    return prefix.substring(0, prefix.length() - 1)
        + (char) (prefix.charAt(prefix.length() - 1) + 1);
  }

  private static byte[] ok(RawHttp.Response r) {
    if (r.status() != 200) {
      throw new IllegalStateException("etcd answered HTTP " + r.status() + ": " + r.text());
    }
    return r.body();
  }

  private static JsonNode call(RawHttp http, String path, ObjectNode request) {
    try {
      return JSON.readTree(ok(http.post(path, JSON.writeValueAsBytes(request))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode rangeOf(String prefix) {
    return JSON.createObjectNode().put("key", b64(prefix)).put("range_end", b64(rangeEnd(prefix)));
  }

  @Override
  long waiting(String queue) {
    try (RawHttp http = new RawHttp(uri)) {
      return call(http, "/v3/kv/range", rangeOf(prefix(queue, "pending")).put("count_only", true))
          .path("count")
          .asLong();
    }
  }

  @Override
  void drop(String queue) {
    try (RawHttp http = new RawHttp(uri)) {
      call(http, "/v3/kv/deleterange", rangeOf("q/" + queue + "/"));
    }
  }

  @Override
  Producer producer(String queue) {
    String pending = prefix(queue, "pending");
    String value = B64.encodeToString(body);
    ExecutorService pool = Executors.newFixedThreadPool(TXNS_IN_FLIGHT);
    ThreadLocal<RawHttp> http = ThreadLocal.withInitial(() -> new RawHttp(uri));
    List<RawHttp> opened = java.util.Collections.synchronizedList(new ArrayList<>());
    return new Producer() {
      private long next;

      private ObjectNode txn(long from, int count) {
        ObjectNode txn = JSON.createObjectNode();
        ArrayNode success = txn.putArray("success");
        for (long id = from; id < from + count; id++) {
          success
              .addObject()
              .putObject("request_put")
              .put("key", b64(pending + key(id)))
              .put("value", value);
        }
        return txn;
      }

      @Override
      public void enqueue(int n) throws Exception {
        for (int sent = 0; sent < n; sent += Bench.ENQUEUE_BATCH) {
          int batch = Math.min(Bench.ENQUEUE_BATCH, n - sent);
          List<Future<?>> txns = new ArrayList<>();
          for (int off = 0; off < batch; off += TXN_PUTS) {
            ObjectNode txn = txn(next + off, Math.min(TXN_PUTS, batch - off));
            txns.add(
                pool.submit(
                    () -> {
                      RawHttp h = http.get();
                      opened.add(h);
                      return call(h, "/v3/kv/txn", txn);
                    }));
          }
          for (Future<?> f : txns) {
            f.get();
          }
          next += batch;
        }
      }

      @Override
      public String put() {
        String id = key(next++);
        try (RawHttp h = new RawHttp(uri)) {
          call(
              h,
              "/v3/kv/put",
              JSON.createObjectNode().put("key", b64(pending + id)).put("value", value));
        }
        return id;
      }

      @Override
      public void close() {
        pool.shutdownNow();
        opened.forEach(RawHttp::close);
      }
    };
  }

  /** Pending keys sort in enqueue order. */
  private static String key(long id) {
    return String.format("%012d", id);
  }

  @Override
  Consumer consumer(String queue, int max) {
    String pending = prefix(queue, "pending");
    String running = prefix(queue, "running");
    String lock = prefix(queue, "lock");
    RawHttp http = new RawHttp(uri);
    String lease =
        call(http, "/v3/lease/grant", JSON.createObjectNode().put("TTL", LEASE_SECONDS))
            .path("ID")
            .asText();
    Thread keepAlive = Thread.ofVirtual().start(() -> keepAlive(lease));
    int index = (int) (Thread.currentThread().threadId() % config.workers());
    String worker = Thread.currentThread().getName();
    return new Consumer() {
      private String held;

      @Override
      public List<String> take(int max, Duration wait) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
          JsonNode r = call(http, "/v3/kv/range", rangeOf(pending).put("limit", config.workers()));
          JsonNode kvs = r.path("kvs");
          if (kvs.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0
                || !watch(pending, r.path("header").path("revision").asLong() + 1, left)) {
              return List.of();
            }
            continue;
          }
          JsonNode kv = kvs.get(Math.min(index, kvs.size() - 1));
          String key = new String(UNB64.decode(kv.path("key").asText()), StandardCharsets.UTF_8);
          String id = key.substring(pending.length());
          ObjectNode txn = JSON.createObjectNode();
          txn.putArray("compare")
              .addObject()
              .put("key", kv.path("key").asText())
              .put("target", "MOD")
              .put("result", "EQUAL")
              .put("mod_revision", kv.path("mod_revision").asText());
          ArrayNode then = txn.putArray("success");
          then.addObject().putObject("request_delete_range").put("key", kv.path("key").asText());
          then.addObject()
              .putObject("request_put")
              .put("key", b64(running + id))
              .put("value", kv.path("value").asText());
          then.addObject()
              .putObject("request_put")
              .put("key", b64(lock + id))
              .put("value", b64(worker))
              .put("lease", lease);
          if (call(http, "/v3/kv/txn", txn).path("succeeded").asBoolean()) {
            held = id;
            return List.of(id);
          }
          // Another worker moved it first: read again.
        }
      }

      @Override
      public void completeHeld() {
        if (held == null) {
          return;
        }
        ObjectNode txn = JSON.createObjectNode();
        ArrayNode then = txn.putArray("success");
        then.addObject().putObject("request_delete_range").put("key", b64(running + held));
        then.addObject().putObject("request_delete_range").put("key", b64(lock + held));
        call(http, "/v3/kv/txn", txn);
        held = null;
      }

      @Override
      public void close() {
        keepAlive.interrupt();
        call(http, "/v3/lease/revoke", JSON.createObjectNode().put("ID", lease));
        http.close();
      }
    };
  }

  /**
   * Keeps a worker's lease alive, as etcd clients do: a keep-alive every third of the TTL, until
   * interrupted. The gateway answers on a stream; its first object is the renewal.
   */
  private void keepAlive(String lease) {
    try {
      while (true) {
        Thread.sleep(Duration.ofSeconds(LEASE_SECONDS / 3));
        firstLine(
            "/v3/lease/keepalive",
            JSON.createObjectNode().put("ID", lease),
            "\"TTL\"",
            TimeUnit.SECONDS.toNanos(10));
      }
    } catch (InterruptedException e) {
      // the worker is done
    } catch (Exception e) {
      log.println(NAME + ": lease keep-alive failed: " + e);
    }
  }

  /**
   * Watches the prefix from {@code revision} until a put arrives (true) or {@code nanos} pass
   * (false). The gateway streams one JSON object per watch response; the first only says "created".
   */
  private boolean watch(String prefix, long revision, long nanos) throws Exception {
    ObjectNode create = JSON.createObjectNode();
    create
        .putObject("create_request")
        .put("key", b64(prefix))
        .put("range_end", b64(rangeEnd(prefix)))
        .put("start_revision", revision);
    return firstLine("/v3/watch", create, "\"events\"", nanos);
  }

  /**
   * Opens one of the gateway's streams and waits up to {@code nanos} for a line that contains
   * {@code marker} (a watch's events, a keep-alive's renewed TTL); true if one came. Closing the
   * stream ends the call.
   */
  private boolean firstLine(String path, ObjectNode request, String marker, long nanos)
      throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(uri.resolve(path))
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)))
            .build();
    HttpResponse<InputStream> r = streams.send(req, HttpResponse.BodyHandlers.ofInputStream());
    CountDownLatch arrived = new CountDownLatch(1);
    try (InputStream stream = r.body()) {
      Thread.ofVirtual()
          .start(
              () -> {
                try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                  for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.contains(marker)) {
                      arrived.countDown();
                      return;
                    }
                  }
                } catch (IOException closed) {
                  // the wait is over
                }
              });
      return arrived.await(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
