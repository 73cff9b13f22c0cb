package dev.stoker.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The id and lease token of each task in a claim reply, read with a streaming parser. */
record Claimed(String id, String token) {
  private static final JsonFactory JSON = new JsonFactory();

  /** The tasks of {@code {"tasks":[…]}}. */
  static List<Claimed> parse(byte[] claimReply) {
    return parse(claimReply, 3);
  }

  /** The tasks in {@code "next"} of the reply to a finish that claimed. */
  static List<Claimed> parseNext(byte[] finishReply) {
    return parse(finishReply, 4);
  }

  /** The tasks whose fields are at {@code depth} (counting the reply's object as 1). */
  private static List<Claimed> parse(byte[] reply, int taskDepth) {
    List<Claimed> out = new ArrayList<>();
    try (JsonParser p = JSON.createParser(reply)) {
      String id = null;
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME -> {
            // {"tasks":[{"id":…, …, "lease":{"owner":…,"token":…}}]}: a task's fields are at depth
            // 3,
            // its lease's at depth 4.
            String name = p.currentName();
            if (depth == taskDepth && name.equals("id")) {
              p.nextToken();
              id = p.getText();
            } else if (depth == taskDepth + 1 && name.equals("token")) {
              p.nextToken();
              out.add(new Claimed(id, p.getText()));
            } else if (depth <= taskDepth && (name.equals("params") || name.equals("result"))) {
              p.nextToken();
              p.skipChildren();
            }
          }
          default -> {}
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
