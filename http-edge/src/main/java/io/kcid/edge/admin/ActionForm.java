package io.kcid.edge.admin;

import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a web view form ({@code application/x-www-form-urlencoded}), decoded by
 * {@link QueryParams#form} like every form body of the edge. Bounded: the view's forms are small, so a body over
 * {@link #MAX_BYTES} or with more than {@link #MAX_FIELDS} fields is refused.
 */
final class ActionForm {
  static final int MAX_BYTES = 16 * 1024;
  static final int MAX_FIELDS = 64;

  private final Map<String, List<String>> fields;

  private ActionForm(Map<String, List<String>> fields) {
    this.fields = fields;
  }

  /** Decodes the body of a POST; a wrong type, an oversized or malformed body is a {@link Rejection}. */
  static ActionForm of(FullHttpRequest request) {
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.toString())) {
      throw new Rejection(ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE,
          "The web view's forms are application/x-www-form-urlencoded.");
    }
    if (request.content().readableBytes() > MAX_BYTES) {
      throw new Rejection(ErrorReason.ERROR_REASON_PAYLOAD_TOO_LARGE, "A form of the web view is at most " + MAX_BYTES + " bytes.");
    }
    // Decoded as every other form body and query of the edge; toString leaves the request's indices untouched.
    Map<String, List<String>> fields = QueryParams.form(request.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    if (fields.values().stream().mapToInt(List::size).sum() > MAX_FIELDS) {
      throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "A form of the web view has at most " + MAX_FIELDS + " fields.");
    }
    return new ActionForm(fields);
  }

  /** The trimmed value of a field, "" when absent. */
  String get(String name) {
    List<String> values = fields.get(name);
    return values == null || values.isEmpty() ? "" : values.get(0).trim();
  }

  /** The value of a field, refused with MISSING_PARAMETER when absent or blank. */
  String required(String name) {
    String value = get(name);
    if (value.isEmpty()) {
      throw new Rejection(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "The form's field '" + name + "' is required.");
    }
    return value;
  }

  /** A checkbox: present (any value but "false") means on. */
  boolean checked(String name) {
    List<String> values = fields.get(name);
    return values != null && !values.isEmpty() && !values.get(0).equals("false");
  }

  /** The untrimmed value of a field, null when absent: the anti-forgery token is compared as sent. */
  String raw(String name) {
    List<String> values = fields.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
