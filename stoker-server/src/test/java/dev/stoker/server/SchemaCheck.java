package dev.stoker.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A JSON Schema (2020-12) checker for the keywords openapi.json uses, and no more: type, const,
 * enum, properties, required, additionalProperties: false, items, minItems/maxItems,
 * minLength/maxLength (in code points), pattern, minimum/maximum, oneOf, local $ref, and
 * x-max-bytes (UTF-8 bytes of the value as compact JSON: the limit of a heartbeat's progress). An
 * unknown keyword fails the check, so the document cannot grow a rule this checker silently
 * ignores.
 *
 * <p>An object with the key {@code "…"} is an example with fields left out (docs/api.md writes
 * {@code ,…}): its required fields are not required, the rest is checked as usual.
 */
final class SchemaCheck {
  static final String ELIDED = "…";
  private static final java.util.Set<String> KNOWN =
      java.util.Set.of(
          "type",
          "const",
          "enum",
          "properties",
          "required",
          "additionalProperties",
          "items",
          "minItems",
          "maxItems",
          "minLength",
          "maxLength",
          "pattern",
          "minimum",
          "maximum",
          "oneOf",
          "$ref",
          "description",
          "default",
          "format",
          "x-max-bytes",
          "x-problem-types");

  private final JsonNode document;

  SchemaCheck(JsonNode document) {
    this.document = document;
  }

  /** What is wrong with {@code value} against {@code schema}; empty when it conforms. */
  List<String> check(JsonNode value, JsonNode schema) {
    List<String> errors = new ArrayList<>();
    check(value, schema, "$", errors);
    return errors;
  }

  private void check(JsonNode v, JsonNode s, String at, List<String> errors) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KNOWN.contains(k)) {
        errors.add(at + ": the schema uses " + k + ", which this checker does not know");
      }
    }
    if (s.has("$ref")) {
      check(v, resolve(s.get("$ref").asText()), at, errors);
    }
    if (s.has("type") && !typeMatches(v, s.get("type"))) {
      errors.add(at + ": " + kind(v) + " is not " + s.get("type"));
      return;
    }
    if (s.has("const") && !s.get("const").equals(v)) {
      errors.add(at + ": is not " + s.get("const"));
    }
    if (s.has("enum") && !contains(s.get("enum"), v)) {
      errors.add(at + ": " + v + " is not one of " + s.get("enum"));
    }
    if (s.has("oneOf")) {
      int matches = 0;
      List<String> why = new ArrayList<>();
      for (JsonNode alt : s.get("oneOf")) {
        List<String> e = new ArrayList<>();
        check(v, alt, at, e);
        if (e.isEmpty()) {
          matches++;
        }
        why.addAll(e);
      }
      if (matches != 1) {
        errors.add(at + ": matches " + matches + " of oneOf, not 1: " + why);
      }
    }
    if (s.has("x-max-bytes")
        && v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            > s.get("x-max-bytes").asInt()) {
      errors.add(at + ": more than " + s.get("x-max-bytes") + " bytes as compact JSON");
    }
    if (v.isObject()) {
      object(v, s, at, errors);
    }
    if (v.isArray()) {
      if (s.has("minItems") && v.size() < s.get("minItems").asInt()) {
        errors.add(at + ": fewer than " + s.get("minItems") + " items");
      }
      if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) {
        errors.add(at + ": more than " + s.get("maxItems") + " items");
      }
      if (s.has("items")) {
        for (int i = 0; i < v.size(); i++) {
          check(v.get(i), s.get("items"), at + "[" + i + "]", errors);
        }
      }
    }
    if (v.isTextual()) {
      int length = v.asText().codePointCount(0, v.asText().length());
      if (s.has("minLength") && length < s.get("minLength").asInt()) {
        errors.add(at + ": shorter than " + s.get("minLength"));
      }
      if (s.has("maxLength") && length > s.get("maxLength").asInt()) {
        errors.add(at + ": longer than " + s.get("maxLength"));
      }
      if (s.has("pattern")
          && !Pattern.compile(s.get("pattern").asText()).matcher(v.asText()).find()) {
        errors.add(at + ": " + v + " does not match " + s.get("pattern").asText());
      }
    }
    if (v.isNumber()) {
      if (s.has("minimum") && v.decimalValue().compareTo(s.get("minimum").decimalValue()) < 0) {
        errors.add(at + ": below " + s.get("minimum"));
      }
      if (s.has("maximum") && v.decimalValue().compareTo(s.get("maximum").decimalValue()) > 0) {
        errors.add(at + ": above " + s.get("maximum"));
      }
    }
  }

  private void object(JsonNode v, JsonNode s, String at, List<String> errors) {
    boolean elided = v.has(ELIDED);
    if (s.has("required") && !elided) {
      for (JsonNode r : s.get("required")) {
        if (!v.has(r.asText())) {
          errors.add(at + ": lacks " + r.asText());
        }
      }
    }
    JsonNode props = s.get("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals(ELIDED)) {
        continue;
      }
      if (props != null && props.has(f.getKey())) {
        check(f.getValue(), props.get(f.getKey()), at + "." + f.getKey(), errors);
      } else if (s.has("additionalProperties") && !s.get("additionalProperties").asBoolean()) {
        errors.add(at + ": has the unknown field " + f.getKey());
      }
    }
  }

  JsonNode resolve(String ref) {
    if (!ref.startsWith("#/")) {
      throw new IllegalArgumentException("only local references are supported: " + ref);
    }
    JsonNode n = document.at(ref.substring(1));
    if (n.isMissingNode()) {
      throw new IllegalArgumentException("dangling reference " + ref);
    }
    return n;
  }

  private static boolean typeMatches(JsonNode v, JsonNode type) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(v, t)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "integer" ->
          v.isIntegralNumber()
              || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      default -> throw new IllegalArgumentException("unknown type " + type);
    };
  }

  private static boolean contains(JsonNode values, JsonNode v) {
    for (JsonNode e : values) {
      if (e.equals(v)) {
        return true;
      }
    }
    return false;
  }

  private static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
