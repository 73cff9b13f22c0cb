package dev.stoker.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsTest {
  private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, one code point, two chars

  // ---- queue names ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "Z",
        "0",
        "emails",
        "emails.high-prio_2",
        "a.b",
        "...",
        "-",
        "_",
        ".a",
        "a.."
      })
  void valid_queue_names_are_accepted(String name) {
    assertThat(Limits.isQueueName(name)).isTrue();
    assertThat(Limits.checkQueueName("queue", name)).isEqualTo(name);
  }

  @Test
  void a_queue_name_of_128_characters_is_accepted() {
    String name = "q".repeat(128);
    assertThat(Limits.isQueueName(name)).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "a b",
        "../x",
        ".",
        "..",
        "a/b",
        "a\\b",
        "q\u0000",
        "é",
        "a:b",
        " a",
        "a\n",
        "*",
        "caf\u00e9",
        "\uD83D\uDE00"
      })
  void invalid_queue_names_are_refused(String name) {
    assertThat(Limits.isQueueName(name)).isFalse();
    assertThatThrownBy(() -> Limits.checkQueueName("queue", name))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("queue");
              assertThat(e.kind()).isEqualTo(InvalidInput.Kind.INVALID);
              assertThat(e.getMessage()).contains("128");
            });
  }

  @Test
  void a_queue_name_of_129_characters_is_refused() {
    assertThat(Limits.isQueueName("q".repeat(129))).isFalse();
    assertThatThrownBy(() -> Limits.checkQueueName("queue", "q".repeat(129)))
        .isInstanceOf(InvalidInput.class);
  }

  // ---- text ----

  @Test
  void text_of_1_to_max_code_points_is_accepted() {
    assertThat(Limits.checkText("name", "x", 256)).isEqualTo("x");
    assertThat(Limits.checkText("name", "x".repeat(256), 256)).hasSize(256);
    assertThat(Limits.checkText("name", "日本語のタスク", 256)).isEqualTo("日本語のタスク");
  }

  @Test
  void surrogate_pairs_count_as_one_character() {
    String emoji256 = EMOJI.repeat(256);
    assertThat(emoji256).hasSize(512);
    assertThat(Limits.checkText("name", emoji256, 256)).isEqualTo(emoji256);
    assertThat(Limits.checkText("name", EMOJI.repeat(255) + "x", 256)).isNotNull();
    assertThatThrownBy(() -> Limits.checkText("name", EMOJI.repeat(257), 256))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.getMessage()).contains("257"));
    assertThatThrownBy(() -> Limits.checkText("name", EMOJI.repeat(256) + "x", 256))
        .isInstanceOf(InvalidInput.class);
  }

  @Test
  void text_longer_than_max_is_refused() {
    assertThatThrownBy(() -> Limits.checkText("name", "x".repeat(257), 256))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("name");
              assertThat(e.getMessage()).contains("256").contains("257");
            });
  }

  @Test
  void empty_or_missing_text_is_refused() {
    assertThatThrownBy(() -> Limits.checkText("name", "", 256))
        .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("name"));
    assertThatThrownBy(() -> Limits.checkText("name", null, 256))
        .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("name"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u0000", "a\u0000", "\u0000b", "a\u0000b"})
  void text_with_nul_is_refused(String text) {
    assertThatThrownBy(() -> Limits.checkText("unique_key", text, 256))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("unique_key");
              assertThat(e.getMessage()).contains("NUL");
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\uD83D", // a high surrogate at the end
        "a\uD83Db", // a high surrogate followed by a non-surrogate
        "\uDE00", // a low surrogate alone
        "a\uDE00",
        "\uDE00\uD83D", // the pair in the wrong order
        "\uD83D\uD83D\uDE00", // a high surrogate followed by a pair
        "\uD83D\uDE00\uDE00", // a pair followed by a stray low surrogate
      })
  void text_with_a_lone_surrogate_is_refused(String text) {
    assertThatThrownBy(() -> Limits.checkText("name", text, 256))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.getMessage()).contains("surrogate"));
  }

  // ---- ranges ----

  @Test
  void check_range_accepts_both_bounds_and_refuses_beyond_them() {
    assertThat(Limits.checkRange("max", 1, 1, 1_000)).isEqualTo(1);
    assertThat(Limits.checkRange("max", 1_000, 1, 1_000)).isEqualTo(1_000);
    assertThat(Limits.checkRange("max", 500, 1, 1_000)).isEqualTo(500);
    assertThatThrownBy(() -> Limits.checkRange("max", 0, 1, 1_000))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("max");
              assertThat(e.kind()).isEqualTo(InvalidInput.Kind.INVALID);
              assertThat(e.getMessage()).contains("1").contains("1000").contains("was 0");
            });
    assertThatThrownBy(() -> Limits.checkRange("max", 1_001, 1, 1_000))
        .isInstanceOf(InvalidInput.class);
    assertThatThrownBy(() -> Limits.checkRange("wait_ms", Long.MIN_VALUE, 0, Limits.MAX_WAIT_MS))
        .isInstanceOf(InvalidInput.class);
    assertThatThrownBy(() -> Limits.checkRange("wait_ms", Long.MAX_VALUE, 0, Limits.MAX_WAIT_MS))
        .isInstanceOf(InvalidInput.class);
  }

  // ---- specs, settings and sizes ----

  @Test
  void a_spec_with_both_run_at_and_delay_is_refused() {
    TaskSpec spec = new TaskSpec("job", "null", 0, 1L, 5L, null, null);
    assertThatThrownBy(() -> Limits.DEFAULT.check(spec))
        .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("run_at"));
  }

  @Test
  void a_spec_is_checked_field_by_field() {
    assertThat(Limits.DEFAULT.check(TaskSpec.of("job", "null")))
        .isEqualTo(TaskSpec.of("job", "null"));
    assertThatThrownBy(() -> Limits.DEFAULT.check(TaskSpec.of("", "null")))
        .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("name"));
    assertThatThrownBy(
            () -> Limits.DEFAULT.check(new TaskSpec("job", "null", 0, null, -1L, null, null)))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.field()).isEqualTo("delay_ms"));
    assertThatThrownBy(
            () -> Limits.DEFAULT.check(new TaskSpec("job", "null", 0, null, null, null, 0)))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.field()).isEqualTo("max_attempts"));
    assertThatThrownBy(
            () -> Limits.DEFAULT.check(new TaskSpec("job", "null", 0, null, null, "k\u0000", null)))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.field()).isEqualTo("unique_key"));
  }

  @Test
  void queue_settings_are_checked() {
    assertThat(Limits.check(QueueSettings.DEFAULT)).isEqualTo(QueueSettings.DEFAULT);
    QueueSettings badMultiplier =
        new QueueSettings(30_000, 10, new Backoff(1_000, 0.5, 10_000), 0, false);
    assertThatThrownBy(() -> Limits.check(badMultiplier))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.field()).isEqualTo("backoff.multiplier"));
    QueueSettings nanMultiplier =
        new QueueSettings(30_000, 10, new Backoff(1_000, Double.NaN, 10_000), 0, false);
    assertThatThrownBy(() -> Limits.check(nanMultiplier)).isInstanceOf(InvalidInput.class);
    QueueSettings noLease = new QueueSettings(0, 10, Backoff.DEFAULT, 0, false);
    assertThatThrownBy(() -> Limits.check(noLease))
        .isInstanceOfSatisfying(
            InvalidInput.class, e -> assertThat(e.field()).isEqualTo("lease_ms"));
  }

  @Test
  void json_larger_than_the_limit_is_too_large() {
    Limits limits = new Limits(100);
    limits.checkJsonSize("params", 100);
    assertThatThrownBy(() -> limits.checkJsonSize("params", 101))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("params");
              assertThat(e.kind()).isEqualTo(InvalidInput.Kind.TOO_LARGE);
            });
  }

  @Test
  void an_invalid_input_can_be_placed_inside_a_container() {
    InvalidInput e =
        new InvalidInput("name", "bad", InvalidInput.Kind.TOO_LARGE).within("tasks[3]");
    assertThat(e.field()).isEqualTo("tasks[3].name");
    assertThat(e.getMessage()).isEqualTo("bad");
    assertThat(e.kind()).isEqualTo(InvalidInput.Kind.TOO_LARGE);
    assertThat(new InvalidInput(null, "bad").within("tasks[3]").field()).isEqualTo("tasks[3]");
  }

  @Test
  void a_progress_of_up_to_4096_bytes_passes_and_a_larger_one_is_too_large() {
    Limits.checkProgressSize("progress", Limits.MAX_PROGRESS_BYTES);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Limits.checkProgressSize("progress", Limits.MAX_PROGRESS_BYTES + 1))
        .isInstanceOfSatisfying(
            InvalidInput.class,
            e -> {
              assertThat(e.field()).isEqualTo("progress");
              assertThat(e.kind()).isEqualTo(InvalidInput.Kind.TOO_LARGE);
              assertThat(e.getMessage()).contains("4097").contains("4096");
            });
  }
}
