package io.kcid.edge.http;

/**
 * Passed down the pipeline in place of a request whose body exceeds the limit, so the dispatcher
 * answers it in order with the other requests of the connection.
 *
 * @param uri the request URI (for the route label only)
 * @param close whether the connection must close after the answer (the body cannot be skipped)
 */
record OversizedRequest(String uri, boolean close) {}
