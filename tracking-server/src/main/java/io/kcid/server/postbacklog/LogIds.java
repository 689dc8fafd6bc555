package io.kcid.server.postbacklog;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.regex.Pattern;

/** Postback log ids ({@code <unix ms>-<sequence>}) as callers pass them: log ids and page tokens. */
final class LogIds {
  private static final Pattern FORMAT = Pattern.compile("[0-9]{1,15}-[0-9]{1,19}");

  private LogIds() {}

  static String check(String field, String id) {
    if (!FORMAT.matcher(id).matches()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          field + " '" + id + "' is not a postback log id (like 1718000000000-0)",
          Map.of("field", field));
    }
    return id;
  }
}
