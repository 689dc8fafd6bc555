package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;

/**
 * A request the connection's own handlers refused before it was complete (its head or body did not
 * arrive in time, or its head folds a header line): handed to the dispatcher, which answers it in
 * order after the requests before it and closes the connection.
 *
 * @param uri the request's target when its head was read, else null
 */
record EarlyRefusal(String uri, ErrorReason reason, String message) {
  Route route() {
    if (uri == null) {
      return Route.OTHER;
    }
    try {
      return Route.of(QueryParams.uri(uri).rawPath());
    } catch (RuntimeException e) {
      return Route.OTHER;
    }
  }
}
