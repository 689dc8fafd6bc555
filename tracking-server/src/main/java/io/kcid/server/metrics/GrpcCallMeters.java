package io.kcid.server.metrics;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The gRPC side of the metrics, as one interceptor: Micrometer's {@link
 * MetricCollectingServerInterceptor} (calls by service, method, type and status code, with a
 * latency histogram: {@code grpc_server_processing_duration_seconds}) and, for every call that
 * ends in an error, the kcid reason it carried ({@code kcid_server_errors_total{reason}}, from the
 * {@code google.rpc.ErrorInfo} in its trailers). Redis timeouts and outages reach callers as
 * STORE_TIMEOUT and STORE_UNAVAILABLE, so this is also where failed Redis calls are counted.
 */
public final class GrpcCallMeters implements ServerInterceptor {
  /** Buckets of the call latency histogram: a dozen per series, not Micrometer's seventy. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)
  };
  /**
   * Codes every method's series exist for from the start: success, and what an operator alerts on
   * (refused callers, overload, a store outage). Other codes appear with their first call.
   */
  private static final Status.Code[] EAGER_CODES = {
    Status.Code.OK, Status.Code.UNAUTHENTICATED, Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE
  };

  private final MetricCollectingServerInterceptor calls;
  private final Map<ErrorReason, Counter> errors = new EnumMap<>(ErrorReason.class);

  GrpcCallMeters(MeterRegistry registry) {
    calls = new MetricCollectingServerInterceptor(
        registry, counter -> counter, timer -> timer.serviceLevelObjectives(BUCKETS), EAGER_CODES);
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason != ErrorReason.UNRECOGNIZED
          && reason != ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
          && reason != ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION) { // answers, never errors
        errors.put(reason, Counter.builder("kcid.server.errors")
            .description("gRPC calls answered with an error, by kcid reason (UNSPECIFIED: a status without one,"
                + " such as a cancelled call)")
            .tag("reason", ErrorReasons.shortName(reason))
            .register(registry));
      }
    }
  }

  /** Registers every method of {@code services} at zero, then returns this interceptor. */
  public GrpcCallMeters preregistered(BindableService... services) {
    for (BindableService service : services) {
      calls.preregisterService(service);
    }
    return this;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall<Q, A> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (!status.isOk()) {
          errors.get(reasonOf(status, trailers)).increment();
        }
        super.close(status, trailers);
      }
    };
    return calls.interceptCall(counted, headers, next);
  }

  /** The kcid reason in a failed call's trailers; UNSPECIFIED when it carries none. */
  static ErrorReason reasonOf(Status status, Metadata trailers) {
    com.google.rpc.Status details;
    try {
      details = StatusProto.fromStatusAndTrailers(status, trailers);
    } catch (RuntimeException e) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
    for (Any detail : details.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          if (ErrorReasons.DOMAIN.equals(info.getDomain())) {
            ErrorReason reason = ErrorReasons.fromShortName(info.getReason());
            return reason == ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
                || reason == ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION
                ? ErrorReason.ERROR_REASON_UNSPECIFIED : reason;
          }
        } catch (InvalidProtocolBufferException e) {
          return ErrorReason.ERROR_REASON_UNSPECIFIED;
        }
      }
    }
    return ErrorReason.ERROR_REASON_UNSPECIFIED;
  }
}
