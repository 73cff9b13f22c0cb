package dev.stoker.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/** A round's reads see its own writes: the batch's overlay merged over the database. */
class BatchOverlayTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> strings(List<byte[]> keys) {
    return keys.stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void scan_merges_the_rounds_writes_over_the_database() throws RocksDBException {
    try (Storage s = new Storage(dir)) {
      for (String k : List.of("a1", "a3", "a5", "b1")) {
        s.db.put(s.ready, b(k), b("db"));
      }
      try (Batch batch = new Batch(s, 0)) {
        batch.begin();
        batch.put(s.ready, b("a2"), b("new"));
        batch.put(s.ready, b("a3"), b("over")); // shadows the database's a3
        batch.delete(s.ready, b("a1")); // hides a database key
        batch.put(s.ready, b("a4"), b("gone"));
        batch.delete(s.ready, b("a4")); // an in-round put, deleted again
        batch.put(s.ready, b("a6"), b("new"));
        batch.commit();

        assertThat(strings(batch.scan(s.ready, b("a"), b("a"), 100)))
            .containsExactly("a2", "a3", "a5", "a6");
        assertThat(strings(batch.scan(s.ready, b("a3"), b("a"), 100)))
            .containsExactly("a3", "a5", "a6");
        assertThat(strings(batch.scan(s.ready, b("a"), b("a"), 2))).containsExactly("a2", "a3");
        assertThat(strings(batch.scan(s.ready, b(""), b(""), 100)))
            .containsExactly("a2", "a3", "a5", "a6", "b1");
        assertThat(strings(batch.scan(s.ready, b("b"), b("b"), 100))).containsExactly("b1");
        assertThat(batch.scan(s.ready, b("c"), b("c"), 100)).isEmpty();

        assertThat(batch.get(s.ready, b("a3"))).isEqualTo(b("over"));
        assertThat(batch.get(s.ready, b("a5"))).isEqualTo(b("db"));
        assertThat(batch.get(s.ready, b("a1"))).isNull();
        assertThat(batch.get(s.ready, b("a4"))).isNull();
        // other column families are untouched by ready's overlay
        assertThat(batch.scan(s.leases, b(""), b(""), 100)).isEmpty();
      }
    }
  }

  @Test
  void an_aborted_command_leaves_neither_overlay_nor_batch_behind() throws RocksDBException {
    try (Storage s = new Storage(dir)) {
      s.db.put(s.ready, b("a1"), b("db"));
      try (Batch batch = new Batch(s, 0)) {
        batch.begin();
        batch.put(s.ready, b("a2"), b("kept"));
        batch.commit();

        batch.begin();
        batch.delete(s.ready, b("a1"));
        batch.put(s.ready, b("a2"), b("changed"));
        batch.delete(s.ready, b("a2"));
        batch.put(s.ready, b("a3"), b("new"));
        batch.put(s.tasks, b("t"), b("new"));
        assertThat(strings(batch.scan(s.ready, b("a"), b("a"), 100))).containsExactly("a3");
        batch.abort();

        assertThat(strings(batch.scan(s.ready, b("a"), b("a"), 100))).containsExactly("a1", "a2");
        assertThat(batch.get(s.ready, b("a2"))).isEqualTo(b("kept"));
        assertThat(batch.get(s.tasks, b("t"))).isNull();

        s.db.write(s.unsyncedWrite, batch.wb);
      }
      assertThat(s.db.get(s.ready, b("a1"))).isEqualTo(b("db"));
      assertThat(s.db.get(s.ready, b("a2"))).isEqualTo(b("kept"));
      assertThat(s.db.get(s.ready, b("a3"))).isNull();
      assertThat(s.db.get(s.tasks, b("t"))).isNull();
    }
  }

  /** Random puts, deletes, commits and aborts against a plain sorted map of what should be seen. */
  @Test
  void scan_and_get_agree_with_a_model_under_random_commands() throws RocksDBException {
    SplittableRandom random = new SplittableRandom(7);
    try (Storage s = new Storage(dir)) {
      TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
      for (int round = 0; round < 30; round++) {
        try (Batch batch = new Batch(s, 0)) {
          for (int command = 0; command < 20; command++) {
            TreeMap<byte[], byte[]> before = new TreeMap<>(model);
            batch.begin();
            for (int op = random.nextInt(6); op > 0; op--) {
              byte[] key = b("k" + (char) ('a' + random.nextInt(3)) + random.nextInt(40));
              if (random.nextInt(3) == 0) {
                batch.delete(s.ready, key);
                model.remove(key);
              } else {
                byte[] value = b("v" + random.nextInt(1000));
                batch.put(s.ready, key, value);
                model.put(key, value);
              }
            }
            if (random.nextInt(4) == 0) {
              batch.abort();
              model = before;
            } else {
              batch.commit();
            }
            assertAgrees(s, batch, model, random);
          }
          s.db.write(s.unsyncedWrite, batch.wb);
        }
        try (Batch fresh = new Batch(s, 0)) {
          assertAgrees(s, fresh, model, random);
        }
      }
    }
  }

  private static void assertAgrees(
      Storage s, Batch batch, TreeMap<byte[], byte[]> model, SplittableRandom random)
      throws RocksDBException {
    byte[] prefix = random.nextInt(4) == 0 ? b("") : b("k" + (char) ('a' + random.nextInt(3)));
    byte[] from =
        random.nextBoolean()
            ? prefix
            : b(new String(prefix, StandardCharsets.UTF_8) + random.nextInt(40));
    int limit = 1 + random.nextInt(50);
    List<String> expected = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : model.tailMap(from, true).entrySet()) {
      if (expected.size() == limit || !Keys.startsWith(e.getKey(), prefix)) {
        break;
      }
      expected.add(new String(e.getKey(), StandardCharsets.UTF_8));
    }
    assertThat(strings(batch.scan(s.ready, from, prefix, limit)))
        .containsExactlyElementsOf(expected);
    byte[] key = b("k" + (char) ('a' + random.nextInt(3)) + random.nextInt(40));
    assertThat(batch.get(s.ready, key)).isEqualTo(model.get(key));
  }
}
