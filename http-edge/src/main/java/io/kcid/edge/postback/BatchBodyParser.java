package io.kcid.edge.postback;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code /postbacks} body: a JSON array of flat objects, or {@code {"postbacks":[…]}}. A body that
 * is not valid JSON or not of that shape rejects the whole batch; an item that is not a flat object
 * (or names a field twice with different values) fails alone.
 */
final class BatchBodyParser {
  /** The most items one batch may hold (the RecordConversions contract). */
  static final int MAX_ITEMS = 100;

  private static final String WRAPPER = "postbacks";

  private BatchBodyParser() {}

  /** One item: its parameters, or why it cannot be read. */
  record Item(PostbackParameters parameters, Rejection problem) {}

  static List<Item> parse(byte[] body) {
    try (JsonParser json = JsonBodyParser.parser(body)) {
      JsonToken first = json.nextToken();
      List<Item> items;
      if (first == JsonToken.START_ARRAY) {
        items = readItems(json);
      } else if (first == JsonToken.START_OBJECT) {
        items = null;
        for (JsonToken token = json.nextToken(); token != JsonToken.END_OBJECT; token = json.nextToken()) {
          String name = json.currentName();
          if (!WRAPPER.equals(name) || items != null) {
            throw JsonBodyParser.invalid("A batch object holds exactly one field, 'postbacks' (an array).");
          }
          if (json.nextToken() != JsonToken.START_ARRAY) {
            throw JsonBodyParser.invalid("'postbacks' must be an array of flat objects.");
          }
          items = readItems(json);
        }
        if (items == null) {
          throw new Rejection(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "The batch object has no 'postbacks' array.");
        }
      } else {
        throw JsonBodyParser.invalid("A batch body is a JSON array of postbacks or {\"postbacks\":[…]}.");
      }
      if (json.nextToken() != null) {
        throw JsonBodyParser.invalid("The JSON body has content after the batch.");
      }
      if (items.isEmpty()) {
        throw new Rejection(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "The batch holds no postbacks.");
      }
      return items;
    } catch (IOException e) {
      throw JsonBodyParser.unreadable(e);
    }
  }

  /** The array's elements, its START_ARRAY just read, up to and including END_ARRAY. */
  private static List<Item> readItems(JsonParser json) throws IOException {
    List<Item> items = new ArrayList<>();
    for (JsonToken token = json.nextToken(); token != JsonToken.END_ARRAY; token = json.nextToken()) {
      if (token == null) {
        throw JsonBodyParser.invalid("The body is not valid JSON (it ends inside the batch).");
      }
      if (items.size() == MAX_ITEMS) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_BATCH_TOO_LARGE,
            "A batch holds at most " + MAX_ITEMS + " postbacks; split it and send the rest in another batch.");
      }
      PostbackParameters parameters = new PostbackParameters();
      if (token == JsonToken.START_OBJECT) {
        Rejection problem = JsonBodyParser.readObject(json, parameters);
        items.add(new Item(problem == null ? parameters : null, problem));
      } else {
        json.skipChildren();
        items.add(new Item(null, JsonBodyParser.invalid("Each postback of a batch must be a flat JSON object.")));
      }
    }
    return items;
  }
}
