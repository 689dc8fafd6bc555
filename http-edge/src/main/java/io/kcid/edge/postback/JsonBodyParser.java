package io.kcid.edge.postback;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reads flat JSON objects with Jackson's streaming parser. Strings, numbers and booleans become
 * their text; numbers keep their literal text ({@code 12.50} stays "12.50"), because money must not
 * pass through a binary float. {@code null} means absent. Nested values are refused: there is no
 * single obvious way to flatten them.
 *
 * <p>Hostile bodies are client mistakes, never server errors: nesting deeper than {@link #MAX_DEPTH}
 * (the deepest accepted shape, {@code {"postbacks":[{…}]}}, has 3 levels) and Jackson's other read
 * limits (number, string and name lengths) are 400 INVALID_PARAMETER like any other invalid JSON.
 */
final class JsonBodyParser {
  /** Deepest nesting read; deeper is refused before the parser descends (Jackson's default is 1000). */
  static final int MAX_DEPTH = 16;

  /** The parsers of request bodies (the shared {@code Json.FACTORY} writes responses). */
  private static final JsonFactory PARSERS =
      JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();

  private JsonBodyParser() {}

  /** A parser of a request body, with this edge's limits. */
  static JsonParser parser(byte[] body) throws IOException {
    return PARSERS.createParser(body);
  }

  /** A {@code /postback} body: exactly one flat object. */
  static void parse(byte[] body, PostbackParameters into) {
    try (JsonParser json = parser(body)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw invalid("The JSON body must be one flat object.");
      }
      Rejection problem = readObject(json, into);
      if (json.nextToken() != null) {
        throw invalid("The JSON body has content after its object.");
      }
      if (problem != null) {
        throw problem;
      }
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /**
   * Why an in-memory body could not be read: always the sender's mistake (a 400), except an
   * {@link IOException} that is none of Jackson's read failures (impossible on a byte array).
   */
  static RuntimeException unreadable(IOException e) {
    if (e instanceof StreamConstraintsException) {
      // Jackson's message names its limit and the value's size, never body text; ours is shorter.
      return invalid("The JSON body exceeds this edge's limits: at most " + MAX_DEPTH
          + " levels of nesting, and numbers, strings and names of bounded length.");
    }
    if (e instanceof StreamReadException read) {
      return syntax(read);
    }
    if (e instanceof java.io.CharConversionException) {
      // Jackson guessed UTF-16/32 from leading NUL bytes and met an impossible character: the
      // sender's mistake (JSON is UTF-8), never a server error.
      return invalid("The body is not valid JSON text: it is not UTF-8.");
    }
    if (e instanceof JsonProcessingException) {
      return invalid("The body is not valid JSON.");
    }
    return new UncheckedIOException("cannot read an in-memory JSON body", e);
  }

  /**
   * Reads the fields of an object whose {@code START_OBJECT} was just read, up to and including its
   * {@code END_OBJECT}, even when a field is wrong, so the parser stays in step (a batch goes on with
   * its next item).
   *
   * @return the first problem of this object (a nested value, a name given twice with different
   *     values), or null
   */
  static Rejection readObject(JsonParser json, PostbackParameters into) throws IOException {
    Rejection problem = null;
    for (JsonToken token = json.nextToken(); token != JsonToken.END_OBJECT; token = json.nextToken()) {
      if (token == null) {
        throw invalid("The body is not valid JSON (it ends inside an object).");
      }
      String name = json.currentName();
      JsonToken value = json.nextToken();
      switch (value) {
        case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> {
          try {
            into.add(name, json.getText());
          } catch (Rejection conflict) {
            problem = problem == null ? conflict : problem;
          }
        }
        case VALUE_NULL -> { }
        default -> {
          json.skipChildren();
          if (problem == null) {
            problem = invalid(
                "JSON field '" + PostbackParameters.clip(name) + "' must be a string, number or boolean, not "
                    + (value == JsonToken.START_ARRAY ? "an array." : "an object."));
          }
        }
      }
    }
    return problem;
  }

  /** Only the position: Jackson's full message may quote body text, which can hold a token. */
  static Rejection syntax(StreamReadException e) {
    JsonLocation at = e.getLocation();
    return invalid(
        "The body is not valid JSON" + (at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")."));
  }

  static Rejection invalid(String message) {
    return new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, message);
  }
}
