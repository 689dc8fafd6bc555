package io.kcid.server.account;

import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.server.common.Identifiers;

/** Validation of an account's (or a partner default's) postback response format. */
public final class PostbackAnswerSettings {
  private PostbackAnswerSettings() {}

  /** The format named by {@code value} (UNSPECIFIED stays so: JSON); INVALID_PARAMETER for a value this server does not know. */
  public static PostbackResponseFormat checkedFormat(String field, int value) {
    PostbackResponseFormat format = PostbackResponseFormat.forNumber(value);
    if (format == null) {
      throw Identifiers.invalid(field, field + " " + value + " is not a known format (json, text-ok, text-1, empty)");
    }
    return format;
  }

  /** {@code asked} unless UNSPECIFIED, then {@code inherited}. */
  public static PostbackResponseFormat firstSet(PostbackResponseFormat asked, PostbackResponseFormat inherited) {
    return asked == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED ? inherited : asked;
  }
}
