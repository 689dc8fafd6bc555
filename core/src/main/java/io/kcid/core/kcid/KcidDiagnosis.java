package io.kcid.core.kcid;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link KcidCodec#inspect} found out about a value.
 *
 * @param valid whether the value is a kcid of this deployment
 * @param reason why it is not; {@code ERROR_REASON_UNSPECIFIED} when valid
 * @param hint a human sentence: what is wrong and how to fix it
 * @param decoded the fields, present whenever the layout could be read (even if the MAC failed)
 */
public record KcidDiagnosis(
    boolean valid, ErrorReason reason, String hint, Optional<DecodedKcid> decoded) {
  public KcidDiagnosis {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(hint, "hint");
    Objects.requireNonNull(decoded, "decoded");
    if (valid && (reason != ErrorReason.ERROR_REASON_UNSPECIFIED || decoded.isEmpty())) {
      throw new IllegalArgumentException("a valid diagnosis has no reason and carries the fields");
    }
    if (!valid && reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
      throw new IllegalArgumentException("an invalid diagnosis needs a reason");
    }
  }
}
