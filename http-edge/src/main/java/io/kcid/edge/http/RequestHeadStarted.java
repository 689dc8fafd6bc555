package io.kcid.edge.http;

/** User event: the first byte of a request head arrived (fired by {@link EdgeServerCodec}'s decoder). */
final class RequestHeadStarted {
  static final RequestHeadStarted INSTANCE = new RequestHeadStarted();

  private RequestHeadStarted() {}
}
