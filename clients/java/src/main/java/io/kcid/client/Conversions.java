package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.grpc.Context;
import io.kcid.proto.tracking.v1.AckConversionEventsRequest;
import io.kcid.proto.tracking.v1.AckConversionEventsResponse;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc.ConversionServiceBlockingStub;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetConversionResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesResponse;
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

  /** Records up to 100 conversions; each item succeeds or fails on its own (see its result). */
  public RecordConversionsResponse recordConversions(RecordConversionsRequest request) {
    return call(() -> stub.recordConversions(request));
  }

  /**
   * Moves a conversion to another status (pending to approved or rejected, approved to rejected,
   * rejected to approved), optionally adjusting its value; {@code reason} is required.
   */
  public UpdateConversionStatusResponse updateConversionStatus(UpdateConversionStatusRequest request) {
    return call(() -> stub.updateConversionStatus(request));
  }

  /** Up to 100 status updates; each item succeeds or fails on its own. */
  public UpdateConversionStatusesResponse updateConversionStatuses(UpdateConversionStatusesRequest request) {
    return call(() -> stub.updateConversionStatuses(request));
  }

  /**
   * Follows every new conversion and status change (of one account, or all), in order per
   * partition, at least once: iterate the returned stream, keep its {@link ConversionStream#cursor()
   * cursor} to resume, and close it when done (try-with-resources). With {@code consumer_group}
   * the group's consumers share the events; acknowledge them with {@link #ackConversionEvents}.
   * No default deadline applies: the stream runs until closed or ended by the server.
   */
  public ConversionStream streamConversions(StreamConversionsRequest request) {
    return new ConversionStream(request.getCursor(), context -> {
      Context previous = context.attach();
      try {
        return stub.streamConversions(request);
      } finally {
        context.detach(previous);
      }
    });
  }

  /** Acknowledges events a consumer group's member has processed, so they are not delivered again. */
  public AckConversionEventsResponse ackConversionEvents(AckConversionEventsRequest request) {
    return call(() -> stub.ackConversionEvents(request));
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
