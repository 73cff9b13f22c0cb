package dev.stoker.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads one JSON object field by field, checking each value's type and range as it goes, and names
 * the field in every refusal ({@code tasks[2].priority}). Callers loop over {@link #nextField()}
 * and switch on the name; a name they do not know is refused by {@link #unknown()}.
 */
final class ObjectReader {
  private final JsonFactory factory;
  private final JsonParser p;
  private final String prefix;
  private String field;

  private ObjectReader(JsonFactory factory, JsonParser p, String prefix) {
    this.factory = factory;
    this.p = p;
    this.prefix = prefix;
  }

  /** Starts reading a request body that must be one JSON object. */
  static ObjectReader open(JsonFactory f, byte[] body) {
    if (body.length == 0) {
      throw Problem.malformed("the request body is empty; expected a JSON object");
    }
    try {
      JsonParser p = f.createParser(body);
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw Problem.malformed("expected a JSON object, found " + describe(t));
      }
      return new ObjectReader(f, p, "");
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Reads the object nested at the current value (the parser is on its START_OBJECT). */
  ObjectReader nested(String name) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw Problem.invalid(name, name + " must be a JSON object");
    }
    return new ObjectReader(factory, p, name + ".");
  }

  JsonParser parser() {
    return p;
  }

  /** The next field's name, positioned on its value; null at the end of the object. */
  String nextField() {
    try {
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_OBJECT) {
        return null;
      }
      field = p.currentName();
      p.nextToken();
      return field;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Checks that nothing follows the top-level object. */
  void end() {
    try {
      JsonToken t = p.nextToken();
      if (t != null) {
        throw Problem.malformed("unexpected " + describe(t) + " after the JSON object");
      }
      p.close();
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** The current field's full name, as refusals name it ({@code tasks[2].priority}). */
  String name() {
    return prefix + field;
  }

  /** The current field's own name ({@code priority}). */
  String field() {
    return field;
  }

  RuntimeException unknown() {
    return Problem.invalid(name(), "unknown field '" + name() + "'");
  }

  boolean isNull() {
    return p.currentToken() == JsonToken.VALUE_NULL;
  }

  String string() {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw Problem.invalid(name(), name() + " must be a string");
    }
    try {
      return p.getText();
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  long integer(long min, long max) {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw Problem.invalid(name(), name() + " must be an integer between " + min + " and " + max);
    }
    try {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw Problem.invalid(
            name(), name() + " must be between " + min + " and " + max + ", was " + p.getText());
      }
      long v = p.getLongValue();
      if (v < min || v > max) {
        throw Problem.invalid(
            name(), name() + " must be between " + min + " and " + max + ", was " + v);
      }
      return v;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  double number(double min, double max) {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw Problem.invalid(name(), name() + " must be a number between " + min + " and " + max);
    }
    try {
      double v = p.getDoubleValue();
      if (!(v >= min && v <= max)) {
        throw Problem.invalid(
            name(), name() + " must be between " + min + " and " + max + ", was " + p.getText());
      }
      return v;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  boolean bool() {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
      throw Problem.invalid(name(), name() + " must be true or false");
    }
    return t == JsonToken.VALUE_TRUE;
  }

  /** Any JSON value, as compact JSON text. */
  String raw() {
    try {
      return Json.copyValue(factory, p);
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** An RFC 3339 time with a zone, between 1970 and 9999, as epoch millis. */
  long time() {
    String text = string();
    try {
      Instant i = OffsetDateTime.parse(text).toInstant();
      if (i.getEpochSecond() < 0 || i.getEpochSecond() >= 253402300800L) {
        throw Problem.invalid(name(), name() + " must be between 1970 and 9999, was " + text);
      }
      return i.toEpochMilli();
    } catch (DateTimeParseException e) {
      throw Problem.invalid(
          name(),
          name() + " must be an RFC 3339 time with a zone, like 2026-01-31T12:00:00Z; was " + text);
    }
  }

  void startArray() {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw Problem.invalid(name(), name() + " must be an array");
    }
  }

  /** Advances inside an array; false at its end. */
  boolean nextElement() {
    try {
      return p.nextToken() != JsonToken.END_ARRAY;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  static RuntimeException malformed(IOException e) {
    if (e instanceof StreamConstraintsException c) {
      return Problem.malformed("the JSON is beyond a limit: " + c.getOriginalMessage());
    }
    String msg =
        e instanceof com.fasterxml.jackson.core.JsonProcessingException j
            ? j.getOriginalMessage()
            : e.getMessage();
    return Problem.malformed("the body is not valid JSON: " + msg);
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "the end of the body";
    }
    return switch (t) {
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : t.asString();
    };
  }
}
