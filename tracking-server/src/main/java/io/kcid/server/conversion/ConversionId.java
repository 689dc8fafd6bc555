package io.kcid.server.conversion;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;

/** A conversion id, {@code <kcid>-<n>}: the n-th conversion recorded on that click. */
public record ConversionId(DecodedKcid kcid, long sequence) {

  /** Parses an id; a malformed one is CONVERSION_NOT_FOUND, a bad kcid part its kcid reason. */
  public static ConversionId parse(KcidCodec codec, String id) {
    int dash = id.lastIndexOf('-');
    String digits = dash < 0 ? "" : id.substring(dash + 1);
    if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)
        || Long.parseLong(digits) < 1) {
      throw StatusUpdater.notFound(id);
    }
    return new ConversionId(codec.decode(id.substring(0, dash)), Long.parseLong(digits));
  }
}
