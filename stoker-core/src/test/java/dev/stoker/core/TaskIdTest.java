package dev.stoker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskIdTest {
  private static final String MAX = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ";

  /** Random ids plus the corners of the unsigned 128-bit range. */
  private static List<TaskId> ids() {
    List<TaskId> ids =
        new ArrayList<>(
            List.of(
                new TaskId(0, 0),
                new TaskId(0, 1),
                new TaskId(0, -1),
                new TaskId(1, 0),
                new TaskId(-1, -1),
                new TaskId(Long.MAX_VALUE, -1),
                new TaskId(Long.MIN_VALUE, 0),
                new TaskId(Long.MIN_VALUE, Long.MIN_VALUE),
                new TaskId(0, Long.MAX_VALUE),
                new TaskId(0, Long.MIN_VALUE)));
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 10_000; i++) {
      ids.add(new TaskId(random.nextLong(), random.nextLong()));
      // Ids that share their high word, so the order must be decided by the low word.
      long hi = random.nextLong();
      ids.add(new TaskId(hi, random.nextLong()));
      ids.add(new TaskId(hi, random.nextLong()));
    }
    return ids;
  }

  @Test
  void text_form_round_trips_for_random_ids() {
    for (TaskId id : ids()) {
      String text = id.toString();
      assertThat(text).hasSize(TaskId.TEXT_LENGTH).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}");
      assertThat(TaskId.parse(text)).isEqualTo(id);
      assertThat(TaskId.parse(text.toLowerCase(Locale.ROOT)))
          .as("parsing is case-insensitive")
          .isEqualTo(id);
      assertThat(TaskId.tryParse(text)).isEqualTo(id);
    }
  }

  @Test
  void the_smallest_and_largest_ids_have_the_expected_text() {
    assertThat(new TaskId(0, 0)).hasToString("0".repeat(26));
    assertThat(new TaskId(0, 1)).hasToString("0".repeat(25) + "1");
    assertThat(new TaskId(0, 31)).hasToString("0".repeat(25) + "Z");
    assertThat(new TaskId(0, 32)).hasToString("0".repeat(24) + "10");
    assertThat(new TaskId(-1, -1)).hasToString(MAX);
    assertThat(TaskId.parse(MAX)).isEqualTo(new TaskId(-1, -1));
  }

  @Test
  void text_sort_order_equals_id_order() {
    List<TaskId> byId = ids();
    byId.sort(Comparator.naturalOrder());
    List<TaskId> byText = ids();
    byText.sort(Comparator.comparing(TaskId::toString));
    assertThat(byText).containsExactlyElementsOf(byId);
  }

  @Test
  void ids_compare_as_unsigned_128_bit_numbers() {
    assertThat(new TaskId(0, -1)).isLessThan(new TaskId(1, 0));
    assertThat(new TaskId(Long.MAX_VALUE, 0)).isLessThan(new TaskId(Long.MIN_VALUE, 0));
    assertThat(new TaskId(5, Long.MAX_VALUE)).isLessThan(new TaskId(5, Long.MIN_VALUE));
    assertThat(new TaskId(5, 7).compareTo(new TaskId(5, 7))).isZero();
  }

  @Test
  void created_millis_is_the_top_48_bits() {
    long millis = 1_700_000_123_456L;
    TaskId id = new TaskId((millis << 16) | 0xBEEF, 99);
    assertThat(id.createdMillis()).isEqualTo(millis);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "0000000000000000000000000", // 25 characters
        "000000000000000000000000000", // 27 characters
        " 0000000000000000000000000",
        "0000000000000000000000000 ",
        "000000000000000000000000U0", // U is not in Crockford's alphabet
        "000000000000000000000000I0",
        "000000000000000000000000L0",
        "000000000000000000000000O0",
        "00000000000000000000000-00",
        "0000000000000000000000000\u00e9",
        "0000000000000000000000000\u0130", // a non-ASCII character that lower-cases to ASCII 'i'
        "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", // first character above 7: more than 128 bits
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "80000000000000000000000000",
      })
  void parse_rejects_what_is_not_an_id(String text) {
    assertThatThrownBy(() -> TaskId.parse(text)).isInstanceOf(IllegalArgumentException.class);
    assertThat(TaskId.tryParse(text)).isNull();
  }
}
