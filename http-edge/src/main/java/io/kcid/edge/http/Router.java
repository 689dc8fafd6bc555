package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the handler of a route, answers 404/405, and turns a handler's exceptions into responses. */
public final class Router {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  private final Map<Route, RouteHandler> handlers;
  private final Responses responses;

  public Router(Map<Route, RouteHandler> handlers, Responses responses) {
    this.handlers = new EnumMap<>(handlers);
    this.responses = responses;
  }

  public Responses responses() {
    return responses;
  }

  /** Never throws: every outcome is a response future. */
  public CompletableFuture<EdgeResponse> dispatch(Route route, FullHttpRequest request, SocketAddress peer) {
    RouteHandler handler = handlers.get(route);
    if (handler == null) {
      return CompletableFuture.completedFuture(
          responses.rejected(ErrorReason.ERROR_REASON_ROUTE_NOT_FOUND, "No such path on the kcid edge."));
    }
    if (!route.allows(request.method())) {
      return CompletableFuture.completedFuture(
          responses
              .rejected(ErrorReason.ERROR_REASON_METHOD_NOT_ALLOWED, "Use " + route.allowHeader() + " on this path.")
              .withHeader("Allow", route.allowHeader()));
    }
    try {
      return handler.handle(request, peer);
    } catch (Rejection rejection) {
      return CompletableFuture.completedFuture(rejection.toResponse(responses));
    } catch (RuntimeException e) {
      log.error("bug while handling {} {}", request.method(), route.label(), e);
      return CompletableFuture.completedFuture(internalError());
    }
  }

  EdgeResponse internalError() {
    return responses.rejected(
        ErrorReason.ERROR_REASON_INTERNAL, "The request could not be processed because of a server error; it has been logged.");
  }
}
