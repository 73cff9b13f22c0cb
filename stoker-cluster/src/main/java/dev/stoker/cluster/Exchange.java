package dev.stoker.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One message between two nodes, the same shape both ways: the sender's {@link Frame} (who it is,
 * its incarnation, whom it heard from, its steals and its vector), the hash of the membership it
 * was started with (two nodes of different memberships refuse each other), whether it asks for what
 * it lacks (anti-entropy), and events: on a request, the sender's own synced events the receiver
 * lacks (push); on an answer, a {@link CatchUp} page for the asker's vector (pull).
 *
 * <p>The identities travel in the message, not in the address: a peer URL is only how to reach a
 * node, so a proxy between two nodes changes nothing.
 */
public record Exchange(
    Frame frame, long membershipHash, boolean pull, boolean complete, List<Event> events) {

  private static final int FORMAT = 1;

  /** The hash every node of one cluster computes alike from its membership. */
  public static long membershipHash(Membership m) {
    long h = 1125899906842597L;
    for (int n : m.nodes()) {
      h = 31 * h + n;
    }
    return h;
  }

  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + events.size() * 80);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeLong(membershipHash);
      out.writeBoolean(pull);
      out.writeBoolean(complete);
      out.writeShort(frame.from());
      out.writeLong(frame.incarnation());
      out.writeLong(frame.number());
      writeMap(out, frame.contactAges());
      out.writeInt(frame.stealing().size());
      for (int home : frame.stealing()) {
        out.writeShort(home);
      }
      out.writeInt(frame.handedBack().size());
      for (Map.Entry<Integer, VersionVector> e : frame.handedBack().entrySet()) {
        out.writeShort(e.getKey());
        writeMap(out, e.getValue().marks());
      }
      writeMap(out, frame.vector().marks());
      out.writeInt(events.size());
      for (Event e : events) {
        byte[] b = EventCodec.encode(e);
        out.writeInt(b.length);
        out.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException on a message this code cannot read (torn, corrupt, other
   *     format)
   */
  public static Exchange decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readUnsignedByte() != FORMAT) {
        throw new IllegalArgumentException("unknown exchange format");
      }
      long hash = in.readLong();
      boolean pull = in.readBoolean();
      boolean complete = in.readBoolean();
      int from = in.readUnsignedShort();
      long incarnation = in.readLong();
      long number = in.readLong();
      Map<Integer, Long> ages = readMap(in);
      Set<Integer> stealing = new HashSet<>();
      for (int i = count(in); i > 0; i--) {
        stealing.add(in.readUnsignedShort());
      }
      Map<Integer, VersionVector> handedBack = new HashMap<>();
      for (int i = count(in); i > 0; i--) {
        handedBack.put(in.readUnsignedShort(), VersionVector.of(readMap(in)));
      }
      VersionVector vector = VersionVector.of(readMap(in));
      int n = count(in);
      List<Event> events = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] b = new byte[count(in)];
        in.readFully(b);
        events.add(EventCodec.decode(b));
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after the exchange");
      }
      return new Exchange(
          new Frame(from, incarnation, number, ages, stealing, handedBack, vector),
          hash,
          pull,
          complete,
          events);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated exchange: " + e.getMessage(), e);
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 16 << 20) {
      throw new IllegalArgumentException("bad count " + n);
    }
    return n;
  }

  private static void writeMap(DataOutputStream out, Map<Integer, Long> m) throws IOException {
    out.writeInt(m.size());
    for (Map.Entry<Integer, Long> e : m.entrySet()) {
      out.writeShort(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  private static Map<Integer, Long> readMap(DataInputStream in) throws IOException {
    Map<Integer, Long> m = new TreeMap<>();
    for (int i = count(in); i > 0; i--) {
      m.put(in.readUnsignedShort(), in.readLong());
    }
    return m;
  }
}
