package io.kcid.edge.postback;

import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Responses;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import java.util.Map;

/**
 * The success body of a {@code /postback} in the account's response format, and the outcome headers
 * every {@code /postback} answer carries. A format changes only the body of a 2xx (accepted or
 * duplicate): a refusal keeps its status and JSON body, so it never looks like a success, and the
 * headers keep the outcome and reason whatever the body says.
 */
final class PostbackAnswers {
  static final String OUTCOME_HEADER = "X-Kcid-Outcome";
  static final String REASON_HEADER = "X-Kcid-Reason";
  private static final String TEXT = "text/plain; charset=utf-8";

  private PostbackAnswers() {}

  /** HTTP 200 with the account's body: the JSON fields, {@code OK}, {@code 1} or nothing. */
  static EdgeResponse success(PostbackResponseFormat format, Map<String, String> json) {
    return switch (format) {
      case POSTBACK_RESPONSE_FORMAT_TEXT_OK -> Responses.text(200, TEXT, "OK");
      case POSTBACK_RESPONSE_FORMAT_TEXT_1 -> Responses.text(200, TEXT, "1");
      case POSTBACK_RESPONSE_FORMAT_EMPTY -> new EdgeResponse(200, null, new byte[0], Map.of(), false);
      // JSON, unspecified, and any format a newer server names that this edge does not know.
      default -> Responses.json(200, json);
    };
  }

  /**
   * The answer with {@code X-Kcid-Outcome} (accepted, duplicate, rejected: the JSON body's
   * {@code status}) and, unless accepted, {@code X-Kcid-Reason} (the reason's short name).
   */
  static EdgeResponse labelled(EdgeResponse response, String outcome, ErrorReason reason) {
    EdgeResponse labelled = response.withHeader(OUTCOME_HEADER, outcome);
    return reason == null ? labelled : labelled.withHeader(REASON_HEADER, ErrorReasons.shortName(reason));
  }
}
