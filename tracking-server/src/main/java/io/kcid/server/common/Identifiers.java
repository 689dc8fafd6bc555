package io.kcid.server.common;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.regex.Pattern;

/** Validation of the names users choose: account ids, goal keys, campaign ids, request ids. */
public final class Identifiers {
  private static final Pattern KEY = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final int MAX_FREE_TEXT = 256;

  private Identifiers() {}

  /** Account ids and goal keys: {@code [a-z0-9_-]{1,64}}. */
  public static String key(String field, String value) {
    required(field, value);
    if (!KEY.matcher(value).matches()) {
      throw invalid(field, field + " must match [a-z0-9_-]{1,64} (lower case)");
    }
    return value;
  }

  public static String requestId(String value) {
    if (!value.isEmpty() && !REQUEST_ID.matcher(value).matches()) {
      throw invalid("request_id", "request_id must match [A-Za-z0-9_.:-]{1,128}");
    }
    return value;
  }

  /** Campaign, creative, placement, sub ids and transaction ids: printable, bounded. */
  public static String freeText(String field, String value) {
    if (value.length() > MAX_FREE_TEXT) {
      throw invalid(field, field + " is longer than " + MAX_FREE_TEXT + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw invalid(field, field + " contains a control character at position " + i);
      }
    }
    return value;
  }

  public static String required(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER, field + " is required", Map.of("field", field));
    }
    return value;
  }

  public static KcidException invalid(String field, String message) {
    return new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER, message, Map.of("field", field));
  }
}
