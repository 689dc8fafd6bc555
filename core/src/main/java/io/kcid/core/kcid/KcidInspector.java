package io.kcid.core.kcid;

import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_INVALID_CHARACTERS;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_MISSING;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_TOO_LONG;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_TOO_SHORT;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNKNOWN_KEY_ID;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNKNOWN_PARTITION;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNSUPPORTED_VERSION;

import java.util.Map;

/**
 * Checks a value in the documented order, most specific human mistake first: missing, literal
 * macro, length, alphabet, version, key id, MAC, partition. Each check relies on the ones before
 * it (the alphabet check only runs on a value of the right length, and so on).
 */
final class KcidInspector {
  private final KcidKeyRing ring;
  private final KcidMacs macs;
  private final int partitions;

  KcidInspector(KcidKeyRing ring, KcidMacs macs, int partitions) {
    this.ring = ring;
    this.macs = macs;
    this.partitions = partitions;
  }

  KcidVerdict inspect(String raw) {
    if (raw == null || raw.isEmpty()) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_MISSING, KcidHints.missing());
    }
    if (MacroDetector.isMacro(raw)) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_MACRO_NOT_REPLACED, KcidHints.macro(raw));
    }
    if (raw.length() != KcidCodec.LENGTH) {
      return wrongLength(raw.length());
    }
    int bad = Base32.firstInvalid(raw);
    if (bad >= 0) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_INVALID_CHARACTERS,
          KcidHints.invalidCharacter(raw, bad), Map.of("position", Integer.toString(bad)));
    }
    byte[] bytes = Base32.decode(raw);
    int version = KcidLayout.version(bytes);
    if (version != KcidLayout.VERSION) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_UNSUPPORTED_VERSION,
          KcidHints.unsupportedVersion(version), Map.of("version", Integer.toString(version)));
    }
    return verify(bytes, decode(raw, bytes));
  }

  private KcidVerdict verify(byte[] bytes, DecodedKcid decoded) {
    int keyId = decoded.keyId();
    if (ring.find(keyId).isEmpty()) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_UNKNOWN_KEY_ID, KcidHints.unknownKeyId(keyId),
          Map.of("keyId", Integer.toString(keyId)), decoded);
    }
    if (!macs.verify(bytes, keyId)) {
      return KcidVerdict.invalid(
          ERROR_REASON_KCID_MAC_MISMATCH, KcidHints.macMismatch(), Map.of(), decoded);
    }
    if (decoded.partition() >= partitions) {
      return KcidVerdict.invalid(ERROR_REASON_KCID_UNKNOWN_PARTITION,
          KcidHints.unknownPartition(decoded.partition(), partitions),
          Map.of("partition", Integer.toString(decoded.partition())), decoded);
    }
    return KcidVerdict.valid(decoded);
  }

  private static KcidVerdict wrongLength(int length) {
    Map<String, String> metadata = Map.of("length", Integer.toString(length));
    return length < KcidCodec.LENGTH
        ? KcidVerdict.invalid(ERROR_REASON_KCID_TOO_SHORT, KcidHints.tooShort(length), metadata)
        : KcidVerdict.invalid(ERROR_REASON_KCID_TOO_LONG, KcidHints.tooLong(length), metadata);
  }

  private static DecodedKcid decode(String raw, byte[] bytes) {
    return new DecodedKcid(
        KcidCodec.normalize(raw),
        KcidLayout.version(bytes),
        KcidLayout.toInstant(KcidLayout.seconds(bytes)),
        KcidLayout.partition(bytes),
        KcidLayout.keyId(bytes),
        KcidLayout.random(bytes));
  }
}
