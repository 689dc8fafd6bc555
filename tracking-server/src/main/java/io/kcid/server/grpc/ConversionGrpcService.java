package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetConversionResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.domain.ConversionRecorder;
import io.kcid.server.store.ConversionStore;
import java.util.Map;

/** {@code kcid.tracking.v1.ConversionService}. */
public final class ConversionGrpcService extends ConversionServiceGrpc.ConversionServiceImplBase {
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final ConversionRecorder recorder;
  private final ConversionStore conversions;
  private final KcidCodec codec;

  public ConversionGrpcService(
      ConversionRecorder recorder, ConversionStore conversions, KcidCodec codec) {
    this.recorder = recorder;
    this.conversions = conversions;
    this.codec = codec;
  }

  @Override
  public void recordConversion(
      RecordConversionRequest request, StreamObserver<RecordConversionResponse> observer) {
    Replies.reply(observer, () -> recorder.record(request));
  }

  @Override
  public void getConversion(
      GetConversionRequest request, StreamObserver<GetConversionResponse> observer) {
    Replies.reply(
        observer,
        () -> {
          String id = request.getConversionId();
          int dash = id.lastIndexOf('-');
          long sequence = dash < 0 ? -1 : parseSequence(id.substring(dash + 1));
          if (sequence < 1) {
            throw notFound(id);
          }
          DecodedKcid kcid = codec.decode(id.substring(0, dash));
          return conversions
              .find(kcid, sequence)
              .thenApply(
                  c ->
                      GetConversionResponse.newBuilder()
                          .setConversion(c.orElseThrow(() -> notFound(id)))
                          .build());
        });
  }

  @Override
  public void listConversions(
      ListConversionsRequest request, StreamObserver<ListConversionsResponse> observer) {
    Replies.reply(
        observer,
        () -> {
          DecodedKcid kcid = codec.decode(request.getKcid());
          int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
          long after = request.getPageToken().isEmpty() ? 0 : parseSequence(request.getPageToken());
          if (after < 0) {
            throw new KcidException(
                ErrorReason.ERROR_REASON_INVALID_PARAMETER,
                "page_token is not one this server returned",
                Map.of("field", "page_token"));
          }
          return conversions
              .listForClick(kcid, after, size)
              .thenApply(
                  list -> {
                    ListConversionsResponse.Builder response =
                        ListConversionsResponse.newBuilder().addAllConversions(list);
                    if (list.size() == size) {
                      String lastId = list.get(list.size() - 1).getConversionId();
                      response.setNextPageToken(lastId.substring(lastId.lastIndexOf('-') + 1));
                    }
                    return response.build();
                  });
        });
  }

  private static long parseSequence(String s) {
    if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(s);
  }

  private static KcidException notFound(String id) {
    return new KcidException(
        ErrorReason.ERROR_REASON_CONVERSION_NOT_FOUND,
        "No conversion '" + id + "'.",
        Map.of("conversionId", id));
  }
}
