package dev.stoker.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A RabbitMQ quorum queue, as in shared/peer-baselines.md: persistent messages published on a
 * confirm channel, 1,000 unconfirmed at a time (the best batching), each worker on its own
 * connection consuming with manual acks and prefetch 1. W2: prefetch 100, and one ack with {@code
 * multiple} for the whole batch. "Completed" is the ack written to the socket: AMQP 0-9-1 does not
 * confirm acks to the client.
 */
final class RabbitMqPeer extends ClientPeer {
  static final String NAME = "rabbitmq quorum";

  /** How long a take that should not wait still waits for a delivery on its way. */
  private static final Duration IN_FLIGHT = Duration.ofMillis(20);

  /** How long a count waits for the queue to see the consumers of a phase gone. */
  private static final Duration CONSUMERS_GONE = Duration.ofSeconds(30);

  private final ConnectionFactory factory = new ConnectionFactory();
  private final Connection admin;
  private final String version;

  RabbitMqPeer(BenchConfig config, PrintStream log, String params, String uri) throws Exception {
    super(config, log, params, NAME);
    factory.setUri(uri);
    admin = factory.newConnection("stoker-bench-admin");
    version = String.valueOf(admin.getServerProperties().get("version"));
  }

  @Override
  public String durability() {
    return "RabbitMQ "
        + version
        + " quorum queue, persistent messages: the Raft log is fdatasync'd before each"
        + " publisher confirm; acks go through the same log but are not confirmed to the client";
  }

  @Override
  public String noBatches() {
    return null;
  }

  @Override
  void create(String queue) throws Exception {
    try (Channel ch = admin.createChannel()) {
      ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
    }
  }

  @Override
  void drop(String queue) throws Exception {
    try (Channel ch = admin.createChannel()) {
      ch.queueDelete(queue);
    }
  }

  /**
   * Read once the queue has seen every consumer of ours go: a quorum queue returns a closed
   * consumer's unacknowledged deliveries when it handles that consumer's exit, after the close
   * returned to us, and an ack still on its way then is dropped. Counted before that, those
   * deliveries were missing from the redelivery sweep and showed up in the count check (28 after a
   * W2 drain of 300 in CI).
   */
  @Override
  long waiting(String queue) throws Exception {
    long deadline = System.nanoTime() + CONSUMERS_GONE.toNanos();
    try (Channel ch = admin.createChannel()) {
      while (true) {
        AMQP.Queue.DeclareOk ok = ch.queueDeclarePassive(queue);
        if (ok.getConsumerCount() == 0 || System.nanoTime() > deadline) {
          return ok.getMessageCount();
        }
        Thread.sleep(10); // polling the broker's view; there is no notification for it
      }
    }
  }

  @Override
  Producer producer(String queue) throws Exception {
    Connection c = factory.newConnection("stoker-bench-producer");
    Channel ch = c.createChannel();
    ch.confirmSelect();
    return new Producer() {
      private long sent;

      @Override
      public void enqueue(int n) throws Exception {
        for (int done = 0; done < n; done += Bench.ENQUEUE_BATCH) {
          for (int i = 0; i < Math.min(Bench.ENQUEUE_BATCH, n - done); i++) {
            publish();
          }
          ch.waitForConfirmsOrDie(60_000);
        }
      }

      @Override
      public String put() throws Exception {
        String id = publish();
        ch.waitForConfirmsOrDie(60_000);
        return id;
      }

      private String publish() throws IOException {
        String id = Long.toString(sent++);
        AMQP.BasicProperties props =
            MessageProperties.PERSISTENT_BASIC.builder().messageId(id).build();
        ch.basicPublish("", queue, props, body);
        return id;
      }

      @Override
      public void close() throws Exception {
        c.close();
      }
    };
  }

  /** A delivery handed to a worker: its tag (to ack) and the producer's id. */
  private record Delivery(long tag, String id) {}

  @Override
  Consumer consumer(String queue, int max) throws Exception {
    Connection c = factory.newConnection("stoker-bench-worker");
    Channel ch = c.createChannel();
    ch.basicQos(max);
    BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    ch.basicConsume(
        queue,
        false,
        new DefaultConsumer(ch) {
          @Override
          public void handleDelivery(
              String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            inbox.add(new Delivery(envelope.getDeliveryTag(), props.getMessageId()));
          }
        });
    return new Consumer() {
      private long lastTag = -1;

      @Override
      public List<String> take(int max, Duration wait) throws Exception {
        // Deliveries are pushed: "do not wait" still lets one in flight arrive, instead of
        // spinning.
        Delivery first =
            inbox.poll(Math.max(wait.toNanos(), IN_FLIGHT.toNanos()), TimeUnit.NANOSECONDS);
        if (first == null) {
          return List.of();
        }
        List<Delivery> got = new ArrayList<>(max);
        got.add(first);
        inbox.drainTo(got, max - 1);
        List<String> ids = new ArrayList<>(got.size());
        for (Delivery d : got) {
          ids.add(d.id());
        }
        lastTag = got.getLast().tag();
        return ids;
      }

      @Override
      public void completeHeld() throws IOException {
        if (lastTag >= 0) {
          ch.basicAck(lastTag, true); // every delivery up to this one on the channel
          lastTag = -1;
        }
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
