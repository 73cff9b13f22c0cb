package dev.stoker.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The history of a run: every operation in the order its outcome became known, kept in memory for
 * the checker and written as it happens to a JSON-lines file, so a run that dies still leaves its
 * history behind.
 */
public final class History implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectWriter LINE = JSON.writerFor(Op.class);

  private final long startNs = System.nanoTime();
  private final List<Op> ops = new ArrayList<>();
  private final BufferedWriter out;

  /** A history written to {@code file} (or only kept in memory when null). */
  public History(Path file) throws IOException {
    this.out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  /** Nanoseconds since the run began: the time base of every operation. */
  public long now() {
    return System.nanoTime() - startNs;
  }

  /** Records a finished operation, numbering it. */
  public synchronized Op add(Op op) {
    Op numbered = op.withIndex(ops.size());
    ops.add(numbered);
    if (out != null) {
      try {
        out.write(LINE.writeValueAsString(numbered));
        out.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return numbered;
  }

  /** A copy of every operation so far. */
  public synchronized List<Op> ops() {
    return List.copyOf(ops);
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }

  /**
   * Reads a history file back, e.g. to check it again. A torn last line (the file of a run that is
   * still going, or that died mid-write) is left out; a bad line anywhere else is an error.
   */
  public static List<Op> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Op> ops = new ArrayList<>(lines.size());
    ObjectReader reader = JSON.readerFor(Op.class);
    for (int i = 0; i < lines.size(); i++) {
      try {
        ops.add(reader.readValue(lines.get(i)));
      } catch (JsonProcessingException e) {
        if (i < lines.size() - 1) {
          throw new IOException(file + " line " + (i + 1) + ": " + e.getOriginalMessage(), e);
        }
      }
    }
    return ops;
  }
}
