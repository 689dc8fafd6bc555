package io.kcid.edge.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP answer, built off the event loop and written by the dispatcher. Immutable, so a response
 * future can complete on any thread.
 *
 * @param status HTTP status code
 * @param contentType value of {@code Content-Type}, or null for an empty body
 * @param body response body (may be empty)
 * @param headers route-specific headers; the dispatcher adds the ones every response carries
 * @param close close the connection after writing (the request left it in an unknown state)
 */
public record EdgeResponse(int status, String contentType, byte[] body, Map<String, String> headers, boolean close) {

  public EdgeResponse {
    headers = Map.copyOf(headers);
  }

  /** A copy with one more header. */
  public EdgeResponse withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new EdgeResponse(status, contentType, body, copy, close);
  }

  /** A copy that closes the connection after it is written. */
  public EdgeResponse closing() {
    return new EdgeResponse(status, contentType, body, headers, true);
  }
}
