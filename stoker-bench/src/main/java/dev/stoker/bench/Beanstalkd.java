package dev.stoker.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A beanstalkd connection speaking the few commands the benchmark needs (put, reserve, delete, use,
 * watch, stats-tube), written by hand as the baselines' client was. beanstalkd is a peer to
 * measure, not a dependency: the bench talks to it only when asked to.
 */
final class Beanstalkd implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  Beanstalkd(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(
          new InetSocketAddress(
              hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
          5_000);
      out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach beanstalkd at " + hostPort, e);
    }
  }

  /** Puts go to {@code tube}. */
  void use(String tube) {
    expect(command("use " + tube), "USING");
  }

  /** Reserves come from {@code tube} only. */
  void watchOnly(String tube) {
    expect(command("watch " + tube), "WATCHING");
    expect(command("ignore default"), "WATCHING");
  }

  /** Sends {@code count} puts of {@code body} before reading their replies (pipelining). */
  void putMany(byte[] body, int count) {
    try {
      byte[] head = ("put 0 0 60 " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < count; i++) {
        out.write(head);
        out.write(body);
        out.write('\r');
        out.write('\n');
      }
      out.flush();
      for (int i = 0; i < count; i++) {
        expect(line(), "INSERTED");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Puts one job; returns its id once beanstalkd has acknowledged it. */
  long put(byte[] body) {
    try {
      out.write(("put 0 0 60 " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.write('\r');
      out.write('\n');
      out.flush();
      return Long.parseLong(expect(line(), "INSERTED").substring(9));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reserves a job, waiting up to {@code seconds}; its id, or -1 on time-out. */
  long reserve(int seconds) {
    String reply = command("reserve-with-timeout " + seconds);
    if (reply.startsWith("TIMED_OUT") || reply.startsWith("DEADLINE_SOON")) {
      return -1;
    }
    String[] parts = expect(reply, "RESERVED").split(" ");
    try {
      in.readNBytes(Integer.parseInt(parts[2]) + 2);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Long.parseLong(parts[1]);
  }

  /** Jobs ready in {@code tube} (0 when beanstalkd no longer knows the tube). */
  long readyJobs(String tube) {
    String reply = command("stats-tube " + tube);
    if (reply.startsWith("NOT_FOUND")) {
      return 0;
    }
    try {
      String yaml =
          new String(
              in.readNBytes(Integer.parseInt(expect(reply, "OK").substring(3)) + 2),
              StandardCharsets.US_ASCII);
      for (String line : yaml.split("\n")) {
        if (line.startsWith("current-jobs-ready: ")) {
          return Long.parseLong(line.substring(20).trim());
        }
      }
      throw new IllegalStateException("beanstalkd's stats-tube has no current-jobs-ready: " + yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void delete(long id) {
    expect(command("delete " + id), "DELETED");
  }

  private String command(String line) {
    try {
      out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return line();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String line() throws IOException {
    return Lines.read(in);
  }

  private static String expect(String reply, String prefix) {
    if (!reply.startsWith(prefix)) {
      throw new IllegalStateException("beanstalkd answered '" + reply + "', expected " + prefix);
    }
    return reply;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
