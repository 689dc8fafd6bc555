package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Decodes query strings and form bodies the same way everywhere: standard form decoding by Netty's
 * {@link QueryStringDecoder} ({@code %XX} as UTF-8, and {@code +} as a space, so a literal plus
 * must be sent as {@code %2B}, which RFC 3986 encoding does anyway). {@code ;} is an ordinary
 * character, never a separator, so a signed value cannot be split into extra parameters.
 */
public final class QueryParams {
  /**
   * Far above what fits in a capped request line or body; the decoder silently drops parameters
   * past this limit, so it must never be reached by a request we accept.
   */
  private static final int MAX_PARAMS = 1 << 20;

  private QueryParams() {}

  /** The decoded URI: path plus query parameters. */
  public static QueryStringDecoder uri(String uri) {
    return QueryStringDecoder.builder().hasPath(true).semicolonIsNormalChar(true).maxParams(MAX_PARAMS).build(uri);
  }

  /**
   * Parameters of a URI or form body; a name without {@code =} has one empty value.
   *
   * @throws Rejection INVALID_PARAMETER on malformed percent-encoding
   */
  public static Map<String, List<String>> parameters(QueryStringDecoder decoder) {
    try {
      return decoder.parameters();
    } catch (IllegalArgumentException e) {
      throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "The query or form body has malformed percent-encoding.");
    }
  }

  /** Parameters of an {@code application/x-www-form-urlencoded} body. */
  public static Map<String, List<String>> form(String body, Charset charset) {
    return parameters(
        QueryStringDecoder.builder()
            .hasPath(false)
            .charset(charset == null ? StandardCharsets.UTF_8 : charset)
            .semicolonIsNormalChar(true)
            .maxParams(MAX_PARAMS)
            .build(body));
  }

  /** The single value of a parameter ("" when given without {@code =}). */
  public static String single(List<String> values) {
    return values.isEmpty() ? "" : values.get(0);
  }
}
