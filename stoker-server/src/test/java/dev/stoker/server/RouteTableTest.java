package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  @Test
  void a_path_splits_at_its_slashes_without_one_leading_and_one_trailing_slash() {
    assertThat(Api.segments("/v1/tasks/ID/complete"))
        .containsExactly("v1", "tasks", "ID", "complete");
    assertThat(Api.segments("/v1/queues/")).containsExactly("v1", "queues");
    assertThat(Api.segments("v1/queues")).containsExactly("v1", "queues");
    assertThat(Api.segments("/a//b")).containsExactly("a", "", "b");
    assertThat(Api.segments("//")).isEmpty();
    assertThat(Api.segments("/")).isEmpty();
    assertThat(Api.segments("")).isEmpty();
    assertThat(Api.segments("/a///")).containsExactly("a", "", "");
  }

  @Test
  void the_route_a_request_names_carries_its_parameters_and_the_first_matching_pattern_wins() {
    RouteTable.Match m = Api.ROUTES.match("POST", "/v1/tasks/01ABC/complete");
    assertThat(m.route().pattern()).isEqualTo("/v1/tasks/{id}/complete");
    assertThat(m.params()).isEqualTo(Map.of("{id}", "01ABC"));
    // a literal segment comes before {id}: the batch completion, not a task named "complete"
    assertThat(Api.ROUTES.match("POST", "/v1/tasks/complete").route().pattern())
        .isEqualTo("/v1/tasks/complete");
    assertThat(Api.ROUTES.route("GET", "/v1/queues/emails/tasks").pattern())
        .isEqualTo("/v1/queues/{queue}/tasks");
    assertThat(Api.ROUTES.route("DELETE", "/v1/queues/emails/tasks")).isNull();
    assertThat(Api.ROUTES.route("GET", "/v2/nothing")).isNull();
  }

  @Test
  void a_method_the_path_does_not_take_is_a_405_listing_the_ones_it_does() {
    assertThatThrownBy(() -> Api.ROUTES.match("DELETE", "/v1/queues/emails"))
        .isInstanceOfSatisfying(
            RouteTable.MethodNotAllowed.class, e -> assertThat(e.allowed).isEqualTo("GET, PUT"));
  }
}
