package dev.stoker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The schema checker that OpenApiTest trusts finds what is wrong, and only that. */
class SchemaCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonNode doc =
      json(
          """
      {"components": {"schemas": {
        "Spec": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
          "name": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z😀]+$"},
          "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 10},
          "state": {"enum": ["a", "b"]},
          "note": {"x-max-bytes": 8},
          "list": {"type": "array", "maxItems": 1, "items": {"$ref": "#/components/schemas/Spec"}}}},
        "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "Odd": {"type": "object", "uniqueItems": true}}}}""");
  private final SchemaCheck check = new SchemaCheck(doc);

  @Test
  void a_conforming_value_passes() {
    assertThat(
            errors(
                "{\"name\": \"ab😀\", \"n\": null, \"state\": \"a\", \"list\": [{\"name\": \"x\", \"n\": 10}]}",
                "Spec"))
        .isEmpty();
    assertThat(errors("{\"n\": 2, \"…\": true}", "Spec"))
        .as("an elided example need not have required fields")
        .isEmpty();
    assertThat(errors("7", "Either")).isEmpty();
    assertThat(errors("{\"name\": \"a\", \"note\": [1, 2,   3]}", "Spec"))
        .as("8 bytes as compact JSON, whatever the spaces")
        .isEmpty();
  }

  @Test
  void each_broken_rule_is_found() {
    assertThat(errors("{}", "Spec")).singleElement().asString().contains("lacks name");
    assertThat(errors("{\"name\": \"x\", \"extra\": 1}", "Spec"))
        .singleElement()
        .asString()
        .contains("extra");
    assertThat(errors("{\"name\": \"abcd\"}", "Spec"))
        .singleElement()
        .asString()
        .contains("longer than 3");
    assertThat(errors("{\"name\": \"\"}", "Spec")).anyMatch(e -> e.contains("shorter than 1"));
    assertThat(errors("{\"name\": \"AB\"}", "Spec"))
        .singleElement()
        .asString()
        .contains("does not match");
    assertThat(errors("{\"name\": \"a\", \"n\": 11}", "Spec"))
        .singleElement()
        .asString()
        .contains("above 10");
    assertThat(errors("{\"name\": \"a\", \"n\": 1.5}", "Spec"))
        .singleElement()
        .asString()
        .contains("is not");
    assertThat(errors("{\"name\": \"a\", \"state\": \"c\"}", "Spec"))
        .singleElement()
        .asString()
        .contains("one of");
    assertThat(
            errors("{\"name\": \"a\", \"list\": [{\"name\": \"b\"}, {\"name\": \"c\"}]}", "Spec"))
        .singleElement()
        .asString()
        .contains("more than 1");
    assertThat(errors("{\"name\": \"a\", \"list\": [{}]}", "Spec"))
        .singleElement()
        .asString()
        .contains("$.list[0]: lacks name");
    assertThat(errors("{\"name\": \"a\", \"note\": \"é234567\"}", "Spec"))
        .singleElement()
        .asString()
        .contains("more than 8 bytes");
    assertThat(errors("true", "Either")).singleElement().asString().contains("matches 0 of oneOf");
    assertThat(errors("{}", "Odd")).singleElement().asString().contains("does not know");
  }

  private java.util.List<String> errors(String value, String schema) {
    return check.check(json(value), doc.at("/components/schemas/" + schema));
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
