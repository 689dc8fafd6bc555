package io.kcid.server.delivery;

import java.net.URI;

/**
 * Where an attempt goes: the scheme, host and port of {@code origin}, and {@code path}, the
 * request line's target (the URL's path and query, never its fragment; "/" for an empty path).
 */
public record RequestTarget(URI origin, String path) {
  /** The target of a whole URL. */
  public static RequestTarget of(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return new RequestTarget(uri, uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
  }
}
