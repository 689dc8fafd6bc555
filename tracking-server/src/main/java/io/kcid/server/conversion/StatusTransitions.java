package io.kcid.server.conversion;

import static io.kcid.proto.tracking.v1.ConversionStatus.CONVERSION_STATUS_APPROVED;
import static io.kcid.proto.tracking.v1.ConversionStatus.CONVERSION_STATUS_PENDING;
import static io.kcid.proto.tracking.v1.ConversionStatus.CONVERSION_STATUS_REJECTED;

import io.kcid.proto.tracking.v1.ConversionStatus;
import java.util.Set;

/**
 * The conversion status lifecycle, in one place (the stores' scripts receive the allowed sources
 * from here): pending → approved | rejected; approved → rejected (a reversal); rejected → approved
 * (a dispute won). Nothing returns to pending.
 */
public final class StatusTransitions {
  private StatusTransitions() {}

  /** The statuses a conversion may be in to move to {@code target}. */
  public static Set<ConversionStatus> sourcesOf(ConversionStatus target) {
    return switch (target) {
      case CONVERSION_STATUS_APPROVED -> Set.of(CONVERSION_STATUS_PENDING, CONVERSION_STATUS_REJECTED);
      case CONVERSION_STATUS_REJECTED -> Set.of(CONVERSION_STATUS_PENDING, CONVERSION_STATUS_APPROVED);
      default -> Set.of();
    };
  }

  /** A human description of the rules, for error hints. */
  public static String describe() {
    return "pending -> approved|rejected, approved -> rejected, rejected -> approved; nothing returns to"
        + " pending, and a change must change the status or the value";
  }
}
