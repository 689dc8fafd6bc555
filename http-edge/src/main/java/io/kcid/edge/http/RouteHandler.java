package io.kcid.edge.http;

import io.netty.handler.codec.http.FullHttpRequest;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one route. Runs on the event loop: it must read everything it needs from the request
 * before returning (the request is released right after) and must never block. It may throw a
 * {@link Rejection}; the returned future may complete on any thread.
 */
@FunctionalInterface
public interface RouteHandler {
  CompletableFuture<EdgeResponse> handle(FullHttpRequest request);

  /**
   * As {@link #handle(FullHttpRequest)}, with the connection's remote address for the handlers
   * that need it (postbacks forward the client address). The router always calls this one.
   */
  default CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
    return handle(request);
  }
}
