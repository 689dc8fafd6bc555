package io.kcid.server.conversion;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.server.store.ConversionStore;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Reads recorded conversions: one by its id, or a click's in pages. */
public final class ConversionLookup {
  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final KcidCodec codec;
  private final ConversionStore conversions;

  public ConversionLookup(KcidCodec codec, ConversionStore conversions) {
    this.codec = codec;
    this.conversions = conversions;
  }

  /** The conversion, or a failed stage with CONVERSION_NOT_FOUND; a malformed id is refused before any read. */
  public CompletionStage<Conversion> get(String conversionId) {
    ConversionId parsed = ConversionId.parse(codec, conversionId);
    return conversions
        .find(parsed.kcid(), parsed.sequence())
        .thenApply(c -> c.orElseThrow(() -> notFound(conversionId)));
  }

  /**
   * One page of a click's conversions in recording order; the page token is the sequence number
   * of the previous page's last conversion.
   */
  public CompletionStage<ListConversionsResponse> page(ListConversionsRequest request) {
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
              ListConversionsResponse.Builder response = ListConversionsResponse.newBuilder().addAllConversions(list);
              if (list.size() == size) {
                String lastId = list.get(list.size() - 1).getConversionId();
                response.setNextPageToken(lastId.substring(lastId.lastIndexOf('-') + 1));
              }
              return response.build();
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
