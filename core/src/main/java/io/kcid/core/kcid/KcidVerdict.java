package io.kcid.core.kcid;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of checking one value, shared by {@link KcidCodec#decode} (which throws it) and
 * {@link KcidCodec#inspect} (which reports it), so both always agree.
 *
 * @param reason {@code null} when the value is valid
 * @param decoded {@code null} when the layout could not be read
 */
record KcidVerdict(
    ErrorReason reason, String hint, Map<String, String> metadata, DecodedKcid decoded) {

  static KcidVerdict valid(DecodedKcid decoded) {
    return new KcidVerdict(null, KcidHints.valid(), Map.of(), decoded);
  }

  static KcidVerdict invalid(ErrorReason reason, String hint) {
    return new KcidVerdict(reason, hint, Map.of(), null);
  }

  static KcidVerdict invalid(ErrorReason reason, String hint, Map<String, String> metadata) {
    return new KcidVerdict(reason, hint, metadata, null);
  }

  static KcidVerdict invalid(
      ErrorReason reason, String hint, Map<String, String> metadata, DecodedKcid decoded) {
    return new KcidVerdict(reason, hint, metadata, decoded);
  }

  DecodedKcid orThrow() {
    if (reason != null) {
      throw new KcidException(reason, hint, metadata);
    }
    return decoded;
  }

  KcidDiagnosis toDiagnosis() {
    return reason == null
        ? new KcidDiagnosis(true, ErrorReason.ERROR_REASON_UNSPECIFIED, hint, Optional.of(decoded))
        : new KcidDiagnosis(false, reason, hint, Optional.ofNullable(decoded));
  }
}
