package dev.stoker.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stoker.server.auth.Role.Action;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The role table of docs/security.md. */
class RoleTest {
  private static Set<Action> permitted(Role r) {
    Set<Action> s = EnumSet.noneOf(Action.class);
    for (Action a : Action.values()) {
      if (r.permits(a)) {
        s.add(a);
      }
    }
    return s;
  }

  @Test
  void each_role_permits_what_the_table_says() {
    assertThat(permitted(Role.VIEWER)).containsExactly(Action.READ);
    assertThat(permitted(Role.PRODUCER)).containsExactly(Action.READ, Action.ENQUEUE);
    assertThat(permitted(Role.WORKER)).containsExactly(Action.READ, Action.WORK);
    assertThat(permitted(Role.ADMIN)).containsExactly(Action.values());
  }

  @Test
  void wire_names_round_trip() {
    for (Role r : Role.values()) {
      assertThat(Role.fromWireName(r.wireName())).isSameAs(r);
    }
    assertThat(Role.fromWireName("ADMIN")).isNull();
    assertThat(Role.fromWireName("root")).isNull();
  }
}
