package io.kcid.edge.limit;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the backend calls in progress from this edge. Past the bound a call fails at once with
 * UNAVAILABLE, which the edge answers 503 BACKEND_UNAVAILABLE + Retry-After: a slow backend then
 * costs bounded memory here instead of an ever-growing queue of waiting requests. Health checks
 * are not counted. A call carrying {@link #WEIGHT} counts that many times: coalesced postbacks are
 * one call but as many requests waiting.
 */
public final class InFlightLimiter implements ClientInterceptor {
  /** How many requests one call stands for (default 1). */
  public static final CallOptions.Key<Integer> WEIGHT = CallOptions.Key.createWithDefault("kcid-edge-call-weight", 1);

  private final int max;
  private final AtomicInteger inFlight = new AtomicInteger();

  public InFlightLimiter(int max) {
    this.max = max;
  }

  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    if (method.getFullMethodName().startsWith("grpc.health.")) {
      return next.newCall(method, options);
    }
    int weight = options.getOption(WEIGHT);
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      private final AtomicBoolean counted = new AtomicBoolean();
      private boolean refused;

      @Override
      public void start(Listener<A> listener, Metadata headers) {
        if (inFlight.addAndGet(weight) > max) {
          inFlight.addAndGet(-weight);
          refused = true;
          listener.onClose(
              Status.UNAVAILABLE.withDescription("edge limit of " + max + " backend calls in progress reached"), new Metadata());
          return;
        }
        counted.set(true);
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                if (counted.compareAndSet(true, false)) {
                  inFlight.addAndGet(-weight);
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }

      @Override
      public void request(int numMessages) {
        if (!refused) {
          super.request(numMessages);
        }
      }

      @Override
      public void sendMessage(Q message) {
        if (!refused) {
          super.sendMessage(message);
        }
      }

      @Override
      public void halfClose() {
        if (!refused) {
          super.halfClose();
        }
      }

      @Override
      public void cancel(String message, Throwable cause) {
        if (!refused) {
          super.cancel(message, cause);
        }
      }
    };
  }
}
