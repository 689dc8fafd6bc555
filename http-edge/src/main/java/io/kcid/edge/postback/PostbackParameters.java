package io.kcid.edge.postback;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The postback's parameters from all sources (query, then body), one value per name. A name seen
 * again with the same value is harmless (senders repeat themselves); with a different value the
 * postback is ambiguous and is rejected rather than resolved by an arbitrary rule.
 */
final class PostbackParameters {
  private final Map<String, String> values = new LinkedHashMap<>();

  void add(String name, String value) {
    String previous = values.putIfAbsent(name, value);
    if (previous != null && !previous.equals(value)) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "Parameter '" + clip(name) + "' is given more than once with different values.");
    }
  }

  /** The value, or null when absent. */
  String get(String name) {
    return values.get(name);
  }

  Map<String, String> asMap() {
    return Collections.unmodifiableMap(values);
  }

  static String clip(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "…";
  }
}
