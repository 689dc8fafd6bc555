package io.kcid.edge.postback;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.kcid.edge.http.Json;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reads a flat JSON object with Jackson's streaming parser. Strings, numbers and booleans become
 * their text; numbers keep their literal text ({@code 12.50} stays "12.50"), because money must not
 * pass through a binary float. {@code null} means absent. Nested values are refused: there is no
 * single obvious way to flatten them.
 */
final class JsonBodyParser {
  private JsonBodyParser() {}

  static void parse(byte[] body, PostbackParameters into) {
    try (JsonParser json = Json.FACTORY.createParser(body)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw invalid("The JSON body must be one flat object.");
      }
      for (JsonToken token = json.nextToken(); token != JsonToken.END_OBJECT; token = json.nextToken()) {
        String name = json.currentName();
        JsonToken value = json.nextToken();
        switch (value) {
          case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> into.add(name, json.getText());
          case VALUE_NULL -> { }
          default -> throw invalid(
              "JSON field '" + PostbackParameters.clip(name) + "' must be a string, number or boolean, not "
                  + (value == JsonToken.START_ARRAY ? "an array." : "an object."));
        }
      }
      if (json.nextToken() != null) {
        throw invalid("The JSON body has content after its object.");
      }
    } catch (StreamReadException e) {
      // Only the position: Jackson's full message may quote body text, which can hold a token.
      JsonLocation at = e.getLocation();
      throw invalid(
          "The body is not valid JSON"
              + (at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")."));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read an in-memory JSON body", e);
    }
  }

  private static Rejection invalid(String message) {
    return new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, message);
  }
}
