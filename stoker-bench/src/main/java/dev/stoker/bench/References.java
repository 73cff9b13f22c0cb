package dev.stoker.bench;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What this machine can do at all, measured in the same run as Stoker so that ratios mean something
 * on a shared machine: a bare "hello" server on Stoker's HTTP stack (Helidon SE, virtual threads),
 * and appends of 128 bytes made durable with fdatasync, one at a time and grouped.
 */
public final class References {
  /** The figures: requests/s and records/s. */
  public record Figures(
      double helloPerSecond, double fsyncSinglePerSecond, double fsyncGroupedPerSecond) {}

  private References() {}

  static Figures measure(int connections, Duration each, Path scratch) throws InterruptedException {
    return new Figures(
        hello(connections, each),
        appendsSingle(each, scratch),
        appendsGrouped(connections, each, scratch));
  }

  /** Requests/s of {@code GET /hello} over {@code connections} keep-alive connections. */
  static double hello(int connections, Duration each) throws InterruptedException {
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    WebServer server =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .shutdownHook(false)
            .routing(r -> r.get("/hello", (req, res) -> res.send(hello)))
            .build()
            .start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.port());
      return drive(connections, each, http -> http.get("/hello"), uri);
    } finally {
      server.stop();
    }
  }

  /**
   * Runs {@code request} on each of {@code connections} connections for {@code each}; requests/s.
   */
  static double drive(int connections, Duration each, Consumer<RawHttp> request, URI server)
      throws InterruptedException {
    AtomicLong done = new AtomicLong();
    long warmEnd = System.nanoTime() + Duration.ofMillis(300).toNanos(); // counted from here
    long stop = warmEnd + each.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (RawHttp http = new RawHttp(server)) {
                      for (long now = System.nanoTime(); now < stop; now = System.nanoTime()) {
                        request.accept(http);
                        if (now >= warmEnd) {
                          done.incrementAndGet();
                        }
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / (each.toNanos() / 1e9);
  }

  /** One writer: append 128 bytes, fdatasync, repeat. */
  static double appendsSingle(Duration each, Path scratch) {
    try (FileChannel ch = open(scratch.resolve("fsync-single"))) {
      ByteBuffer record = ByteBuffer.allocate(128);
      long n = 0;
      long end = System.nanoTime() + each.toNanos();
      while (System.nanoTime() < end) {
        record.clear();
        ch.write(record);
        ch.force(false);
        n++;
      }
      return n / (each.toNanos() / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code writers} threads each append 128 bytes and wait until it is durable; one syncer
   * fdatasyncs whatever has been appended since its last sync (group commit).
   */
  static double appendsGrouped(int writers, Duration each, Path scratch)
      throws InterruptedException {
    try (FileChannel ch = open(scratch.resolve("fsync-grouped"))) {
      Object lock = new Object();
      long[] appended = {0};
      long[] durable = {0};
      long end = System.nanoTime() + each.toNanos();
      Thread syncer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (System.nanoTime() < end) {
                        long upTo;
                        synchronized (lock) {
                          while (appended[0] == durable[0] && System.nanoTime() < end) {
                            lock.wait(1);
                          }
                          upTo = appended[0];
                        }
                        ch.force(false);
                        synchronized (lock) {
                          durable[0] = upTo;
                          lock.notifyAll();
                        }
                      }
                    } catch (IOException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  });
      AtomicLong acknowledged = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      ByteBuffer record = ByteBuffer.allocate(128);
                      try {
                        while (System.nanoTime() < end) {
                          long mine;
                          synchronized (lock) {
                            record.clear();
                            ch.write(record);
                            mine = ++appended[0];
                          }
                          synchronized (lock) {
                            while (durable[0] < mine && System.nanoTime() < end) {
                              lock.wait(1);
                            }
                            if (durable[0] >= mine) {
                              acknowledged.incrementAndGet();
                            }
                          }
                        }
                      } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
      syncer.join();
      return acknowledged.get() / (each.toNanos() / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileChannel open(Path file) throws IOException {
    Files.deleteIfExists(file);
    return FileChannel.open(
        file,
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE,
        StandardOpenOption.DELETE_ON_CLOSE);
  }
}
