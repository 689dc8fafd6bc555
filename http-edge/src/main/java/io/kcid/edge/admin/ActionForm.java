package io.kcid.edge.admin;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a web view form ({@code application/x-www-form-urlencoded}), decoded by Netty's
 * {@link HttpPostRequestDecoder} in memory. Bounded: the view's forms are small, so a body over
 * {@link #MAX_BYTES} or with more than {@link #MAX_FIELDS} fields is refused before decoding.
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
    // Memory only (never a temporary file); a duplicate so the request's own indices stay untouched.
    HttpPostRequestDecoder decoder;
    try {
      decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), request.duplicate(), StandardCharsets.UTF_8);
    } catch (HttpPostRequestDecoder.ErrorDataDecoderException malformed) {
      throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "The form's body is not valid form encoding.");
    }
    try {
      Map<String, List<String>> fields = new LinkedHashMap<>();
      List<InterfaceHttpData> data = decoder.getBodyHttpDatas();
      if (data.size() > MAX_FIELDS) {
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "A form of the web view has at most " + MAX_FIELDS + " fields.");
      }
      for (InterfaceHttpData item : data) {
        if (item instanceof Attribute attribute) {
          fields.computeIfAbsent(attribute.getName(), name -> new ArrayList<>()).add(attribute.getValue());
        }
      }
      return new ActionForm(fields);
    } catch (HttpPostRequestDecoder.ErrorDataDecoderException | IOException malformed) {
      throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "The form's body is not valid form encoding.");
    } finally {
      decoder.destroy();
    }
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
