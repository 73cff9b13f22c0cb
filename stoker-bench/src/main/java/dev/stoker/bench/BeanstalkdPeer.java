package dev.stoker.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * beanstalkd, driven as in shared/peer-baselines.md: the producer pipelines puts 500 at a time (its
 * best batching), each worker reserves one job and deletes it. Durability is the server's setting
 * ({@code -f 0} syncs every put and delete before the next command). It has no batch reserve or
 * delete, so W2 does not apply.
 */
final class BeanstalkdPeer extends ClientPeer {
  static final String NAME = "beanstalkd -f0";
  private static final int PIPELINE = 500;

  private final String address;

  BeanstalkdPeer(BenchConfig config, PrintStream log, String params, String address) {
    super(config, log, params, NAME);
    this.address = address;
  }

  @Override
  public String durability() {
    return "binlog -f 0: fsync of every put and delete before the next command";
  }

  @Override
  public String noBatches() {
    return "no batch reserve or delete";
  }

  @Override
  Producer producer(String tube) {
    Beanstalkd b = new Beanstalkd(address);
    b.use(tube);
    return new Producer() {
      @Override
      public void enqueue(int n) {
        for (int sent = 0; sent < n; sent += PIPELINE) {
          b.putMany(body, Math.min(PIPELINE, n - sent));
        }
      }

      @Override
      public String put() {
        return Long.toString(b.put(body));
      }

      @Override
      public void close() {
        b.close();
      }
    };
  }

  @Override
  Consumer consumer(String tube, int max) {
    Beanstalkd b = new Beanstalkd(address);
    b.watchOnly(tube);
    return new Consumer() {
      private long held = -1;

      @Override
      public List<String> take(int max, Duration wait) {
        held = b.reserve((int) wait.toSeconds());
        return held < 0 ? List.of() : List.of(Long.toString(held));
      }

      @Override
      public void completeHeld() {
        if (held >= 0) {
          b.delete(held);
          held = -1;
        }
      }

      @Override
      public void close() {
        b.close();
      }
    };
  }

  @Override
  long waiting(String tube) {
    try (Beanstalkd b = new Beanstalkd(address)) {
      return b.readyJobs(tube);
    }
  }
}
