package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc.ConversionServiceBlockingStub;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetConversionResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code kcid.tracking.v1.ConversionService}: the generated blocking stub, with every failure
 * thrown as {@link KcidException}.
 */
public final class Conversions {
  private final ConversionServiceBlockingStub stub;

  Conversions(ConversionServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public ConversionServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Conversions withDeadline(Duration deadline) {
    return new Conversions(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * Records a postback. Returns {@code OUTCOME_ACCEPTED}, or {@code OUTCOME_DUPLICATE} with the
   * original's {@code conversion_id} and a {@code duplicate_reason}; a rejection throws {@link
   * KcidException}. Set {@code request_id} so a retry after {@code UNAVAILABLE} is deduplicated.
   */
  public RecordConversionResponse recordConversion(RecordConversionRequest request) {
    return call(() -> stub.recordConversion(request));
  }

  public GetConversionResponse getConversion(GetConversionRequest request) {
    return call(() -> stub.getConversion(request));
  }

  public ListConversionsResponse listConversions(ListConversionsRequest request) {
    return call(() -> stub.listConversions(request));
  }

  static Conversions of(io.grpc.Channel channel) {
    return new Conversions(ConversionServiceGrpc.newBlockingStub(channel));
  }
}
