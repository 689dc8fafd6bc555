package io.kcid.server.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.GrpcErrors;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the unary calls in progress on this server, across all connections. Past the bound a
 * call is refused at once with RESOURCE_EXHAUSTED (RATE_LIMITED) instead of queueing work on Redis
 * that would time out anyway; senders retry it. Streaming calls (long-lived by design) and health
 * checks are not counted.
 */
public final class CallLimitInterceptor implements ServerInterceptor {
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  public CallLimitInterceptor(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  /** Calls in progress now. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    MethodDescriptor<Q, A> method = call.getMethodDescriptor();
    if (method.getType() != MethodDescriptor.MethodType.UNARY
        || method.getFullMethodName().startsWith("grpc.health.")) {
      return next.startCall(call, headers);
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      StatusRuntimeException refused =
          GrpcErrors.status(
              ErrorReason.ERROR_REASON_RATE_LIMITED,
              "This server is at its limit of " + maxInFlight + " calls in progress; retry shortly.",
              Map.of());
      call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
      }
    };
    ServerCall<Q, A> releasing =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            // Released when the answer is decided, not when the transport has sent it.
            release.run();
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(releasing, headers);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        release.run();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        release.run();
        super.onComplete();
      }
    };
  }
}
