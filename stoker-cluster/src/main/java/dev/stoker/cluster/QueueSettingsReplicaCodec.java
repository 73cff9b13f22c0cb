package dev.stoker.cluster;

/**
 * The bytes of a {@link QueueSettingsReplica}: what the embedded store keeps beside a queue's
 * settings in cluster mode, so that the merge of a later settings event knows which write each
 * field holds.
 *
 * <pre>
 * format u8 (=1) | field mask u8 | the values of the fields written (as in a settings event)
 * | per field written, in field order: hlc i64 | node u16 | crc32c u32
 * </pre>
 */
public final class QueueSettingsReplicaCodec {
  private static final int FORMAT = 1;

  private QueueSettingsReplicaCodec() {}

  public static byte[] encode(QueueSettingsReplica r) {
    Bytes.Out out = new Bytes.Out();
    out.write(FORMAT);
    Object[] values = new Object[QueueSettingsReplica.FIELDS.length];
    for (int i = 0; i < values.length; i++) {
      QueueSettingsReplica.Write w = r.write(i);
      if (w != null) {
        values[i] = w.value();
      }
    }
    Bytes.settings(out, values);
    for (int i = 0; i < values.length; i++) {
      QueueSettingsReplica.Write w = r.write(i);
      if (w != null) {
        out.i64(w.hlc());
        out.u16(w.node());
      }
    }
    return out.sealed();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a whole, intact record of a known format
   */
  public static QueueSettingsReplica decode(byte[] bytes) {
    Bytes.In in = Bytes.In.open(bytes, "a queue settings replica");
    try {
      int format = in.u8();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown queue settings replica format " + format);
      }
      Object[] values = Bytes.settings(in);
      QueueSettingsReplica.Write[] writes = new QueueSettingsReplica.Write[values.length];
      for (int i = 0; i < values.length; i++) {
        if (values[i] != null) {
          writes[i] = new QueueSettingsReplica.Write(values[i], in.i64(), in.u16());
        }
      }
      if (!in.atEnd()) {
        throw new IllegalArgumentException("trailing bytes after the queue settings replica");
      }
      return new QueueSettingsReplica(writes);
    } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
      throw new IllegalArgumentException("malformed queue settings replica: " + e.getMessage(), e);
    }
  }
}
