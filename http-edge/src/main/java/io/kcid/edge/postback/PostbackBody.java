package io.kcid.edge.postback;

import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Adds the parameters of a POST body: form-urlencoded or a flat JSON object. */
final class PostbackBody {
  private PostbackBody() {}

  static void parse(FullHttpRequest request, PostbackParameters into) {
    if (!request.content().isReadable()) {
      return; // a POST with everything in the query
    }
    CharSequence mime = HttpUtil.getMimeType(request);
    if (mime != null && HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.contentEqualsIgnoreCase(mime)) {
      Charset charset = HttpUtil.getCharset(request, StandardCharsets.UTF_8);
      String body = request.content().toString(charset);
      for (Map.Entry<String, List<String>> parameter : QueryParams.form(body, charset).entrySet()) {
        addAll(into, parameter.getKey(), parameter.getValue());
      }
    } else if (mime != null && HttpHeaderValues.APPLICATION_JSON.contentEqualsIgnoreCase(mime)) {
      JsonBodyParser.parse(ByteBufUtil.getBytes(request.content()), into);
    } else {
      throw new Rejection(
          ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE,
          "A postback body must be application/x-www-form-urlencoded or application/json.");
    }
  }

  static void addAll(PostbackParameters into, String name, List<String> values) {
    if (values.isEmpty()) {
      into.add(name, "");
    }
    for (String value : values) {
      into.add(name, value);
    }
  }
}
