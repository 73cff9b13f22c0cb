package dev.stoker.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * NATS JetStream, as in shared/peer-baselines.md: a work-queue stream with file storage; the
 * producer publishes asynchronously, 1,000 PubAcks outstanding per batch; the workers share one
 * durable pull consumer, each fetching one message and acknowledging it with {@code ackSync} (the
 * server confirms the ack). W2 does not apply: a work-queue stream's consumers ack each message.
 */
final class NatsPeer extends ClientPeer {
  static final String NAME = "nats jetstream";
  private static final String CONSUMER = "workers";

  /** jnats's fetch needs a positive wait; this is what "do not wait" becomes. */
  private static final Duration NO_WAIT = Duration.ofMillis(20);

  private final Options options;
  private final Connection admin;
  private final JetStreamManagement jsm;

  NatsPeer(BenchConfig config, PrintStream log, String params, String url) throws Exception {
    super(config, log, params, NAME);
    options = Options.builder().server(url).connectionTimeout(Duration.ofSeconds(10)).build();
    admin = Nats.connect(options);
    jsm = admin.jetStreamManagement();
  }

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public String durability() {
    return "nats-server "
        + admin.getServerInfo().getVersion()
        + " JetStream file storage, WorkQueue retention:"
        + " PubAcks and acks are sent before any fsync (2.9 syncs on a timer; per-write sync arrived in 2.10)";
  }

  @Override
  public String noBatches() {
    return "a work-queue stream's consumer acks message by message";
  }

  @Override
  void create(String queue) throws Exception {
    jsm.addStream(
        StreamConfiguration.builder()
            .name(queue)
            .subjects(queue)
            .retentionPolicy(RetentionPolicy.WorkQueue)
            .storageType(StorageType.File)
            .build());
    jsm.addOrUpdateConsumer(
        queue,
        ConsumerConfiguration.builder()
            .durable(CONSUMER)
            .filterSubject(queue)
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(Duration.ofSeconds(60))
            .maxAckPending(-1)
            .build());
  }

  @Override
  void drop(String queue) throws Exception {
    jsm.deleteStream(queue);
  }

  @Override
  long waiting(String queue) throws Exception {
    return jsm.getStreamInfo(queue).getStreamState().getMsgCount();
  }

  @Override
  Producer producer(String queue) throws Exception {
    Connection c = Nats.connect(options);
    JetStream js = c.jetStream();
    return new Producer() {
      @Override
      public void enqueue(int n) throws Exception {
        for (int done = 0; done < n; done += Bench.ENQUEUE_BATCH) {
          List<CompletableFuture<PublishAck>> acks = new ArrayList<>(Bench.ENQUEUE_BATCH);
          for (int i = 0; i < Math.min(Bench.ENQUEUE_BATCH, n - done); i++) {
            acks.add(js.publishAsync(queue, body));
          }
          for (CompletableFuture<PublishAck> a : acks) {
            a.get();
          }
        }
      }

      @Override
      public String put() throws Exception {
        return Long.toString(js.publish(queue, body).getSeqno());
      }

      @Override
      public void close() throws Exception {
        c.close();
      }
    };
  }

  @Override
  Consumer consumer(String queue, int max) throws Exception {
    Connection c = Nats.connect(options);
    JetStreamSubscription sub =
        c.jetStream().subscribe(queue, PullSubscribeOptions.bind(queue, CONSUMER));
    return new Consumer() {
      private final List<Message> held = new ArrayList<>();

      @Override
      public List<String> take(int max, Duration wait) {
        List<String> ids = new ArrayList<>(max);
        for (Message m : sub.fetch(max, wait.isZero() ? NO_WAIT : wait)) {
          held.add(m);
          ids.add(Long.toString(m.metaData().streamSequence()));
        }
        return ids;
      }

      @Override
      public void completeHeld() throws Exception {
        for (Message m : held) {
          m.ackSync(Duration.ofSeconds(10));
        }
        held.clear();
      }

      @Override
      public void close() throws Exception {
        c.close();
      }
    };
  }

  @Override
  public void close() throws Exception {
    admin.close();
  }
}
