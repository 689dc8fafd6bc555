package io.kcid.server.fraud;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.BotRangeKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.List;
import java.util.Map;

/** The names the operator IP lists are stored under, by {@link BotRangeKind}. */
final class BotRangeKinds {
  static final String BOT = "bot";
  static final String DATACENTER = "datacenter";

  private BotRangeKinds() {}

  /** The stored name of one kind; UNSPECIFIED and unknown kinds are refused. */
  static String name(BotRangeKind kind) {
    return switch (kind) {
      case BOT_RANGE_KIND_BOT -> BOT;
      case BOT_RANGE_KIND_DATACENTER -> DATACENTER;
      default -> throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER, "kind must be bot or datacenter.", Map.of("field", "kind"));
    };
  }

  /** The kinds a list or clear call covers: the one named, or both when UNSPECIFIED. */
  static List<BotRangeKind> covered(BotRangeKind kind) {
    return kind == BotRangeKind.BOT_RANGE_KIND_UNSPECIFIED
        ? List.of(BotRangeKind.BOT_RANGE_KIND_BOT, BotRangeKind.BOT_RANGE_KIND_DATACENTER)
        : List.of(kind);
  }
}
