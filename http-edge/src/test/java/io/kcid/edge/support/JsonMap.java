package io.kcid.edge.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the edge's flat JSON bodies into a map (and fails on anything else). */
public final class JsonMap {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonMap() {}

  public static Map<String, String> parse(String json) {
    Map<String, String> fields = new LinkedHashMap<>();
    try (JsonParser parser = FACTORY.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not an object: " + json);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        if (parser.nextToken() != JsonToken.VALUE_STRING) {
          throw new IllegalArgumentException("not a string field: " + name);
        }
        fields.put(name, parser.getText());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return fields;
  }

  /** The {@code results} array of a batch answer: one map per item, numbers as their text. */
  public static List<Map<String, String>> results(String json) {
    List<Map<String, String>> results = new ArrayList<>();
    try (JsonParser parser = FACTORY.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT
          || parser.nextToken() != JsonToken.FIELD_NAME
          || !parser.currentName().equals("results")
          || parser.nextToken() != JsonToken.START_ARRAY) {
        throw new IllegalArgumentException("not {\"results\":[…]}: " + json);
      }
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        Map<String, String> item = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException("unexpected " + value + " for " + name);
          }
          item.put(name, parser.getText());
        }
        results.add(item);
      }
      if (parser.nextToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw new IllegalArgumentException("more than results: " + json);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return results;
  }
}
