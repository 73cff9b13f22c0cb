package dev.stoker.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueuePatternsTest {
  @Test
  void a_star_matches_any_run_of_characters_dots_included() {
    QueuePatterns p = QueuePatterns.parse("billing.*");
    assertThat(p.matches("billing.eu")).isTrue();
    assertThat(p.matches("billing.eu.invoices")).isTrue();
    assertThat(p.matches("billing.")).isTrue();
    assertThat(p.matches("billing")).isFalse();
    assertThat(p.matches("xbilling.eu")).isFalse();
    assertThat(p.all()).isFalse();
  }

  @Test
  void a_name_without_star_matches_only_itself() {
    QueuePatterns p = QueuePatterns.parse("reports, emails");
    assertThat(p.matches("reports")).isTrue();
    assertThat(p.matches("emails")).isTrue();
    assertThat(p.matches("reports2")).isFalse();
    assertThat(p.matches("report")).isFalse();
  }

  @Test
  void stars_anywhere_match() {
    QueuePatterns p = QueuePatterns.parse("*.high,a*b*c");
    assertThat(p.matches("billing.high")).isTrue();
    assertThat(p.matches("billing.low")).isFalse();
    assertThat(p.matches("abc")).isTrue();
    assertThat(p.matches("a-x-b-y-c")).isTrue();
    assertThat(p.matches("a-x-c-b")).isFalse();
  }

  @Test
  void a_lone_star_covers_everything() {
    QueuePatterns p = QueuePatterns.parse("reports,*");
    assertThat(p.all()).isTrue();
    assertThat(p.matches("anything")).isTrue();
  }

  @Test
  void a_pattern_with_characters_no_queue_name_has_is_refused() {
    for (String bad : new String[] {"", "a,,b", "bil ling", "a/b", "a?", "[ab]", "x".repeat(129)}) {
      assertThatThrownBy(() -> QueuePatterns.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a queue pattern");
    }
  }

  @Test
  void prints_as_parsed() {
    assertThat(QueuePatterns.parse("a.*, b").toString()).isEqualTo("a.*,b");
  }
}
