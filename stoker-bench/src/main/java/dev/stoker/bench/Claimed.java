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

  static List<Claimed> parse(byte[] claimReply) {
    List<Claimed> out = new ArrayList<>();
    try (JsonParser p = JSON.createParser(claimReply)) {
      String id = null;
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME -> {
            // {"tasks":[{"id":…, …, "lease":{"owner":…,"token":…}}]}: a task's fields are at depth 3,
            // its lease's at depth 4.
            String name = p.currentName();
            if (depth == 3 && name.equals("id")) {
              p.nextToken();
              id = p.getText();
            } else if (depth == 4 && name.equals("token")) {
              p.nextToken();
              out.add(new Claimed(id, p.getText()));
            } else if (depth == 3 && (name.equals("params") || name.equals("result"))) {
              p.nextToken();
              p.skipChildren();
            }
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
