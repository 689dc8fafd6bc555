package io.kcid.core.postback;

import io.kcid.proto.tracking.v1.ConversionStatus;
import java.util.Locale;

/**
 * kcid's own status words ({@code approved}, {@code pending}, {@code rejected}, any case, spaces
 * around ignored). The one reading of them for the edge, the CSV import and the server; every other
 * word is the account's status map's to decide.
 */
public final class StatusWords {
  private StatusWords() {}

  /** The word as kcid's status, or UNSPECIFIED when it is not one of kcid's words. */
  public static ConversionStatus own(String word) {
    return switch (word.strip().toLowerCase(Locale.ROOT)) {
      case "approved" -> ConversionStatus.CONVERSION_STATUS_APPROVED;
      case "pending" -> ConversionStatus.CONVERSION_STATUS_PENDING;
      case "rejected" -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      default -> ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    };
  }
}
