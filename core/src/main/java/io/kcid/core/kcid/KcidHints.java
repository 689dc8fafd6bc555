package io.kcid.core.kcid;

/**
 * The human sentences of kcid diagnoses, in one place: each says what is wrong and what to fix.
 * Input is echoed only in a bounded, printable form so a hint stays one short line.
 */
final class KcidHints {
  private static final int MAX_ECHO = 40;

  private KcidHints() {}

  static String valid() {
    return "The kcid is valid.";
  }

  static String missing() {
    return "No kcid was given. Pass the kcid received on the landing page in the kcid parameter.";
  }

  static String macro(String raw) {
    String shown = echo(raw);
    return "The kcid parameter holds the literal macro " + shown
        + ": the advertiser's postback template was not filled in. Replace " + shown
        + " with the value received on the landing page.";
  }

  static String tooShort(int length) {
    return "The kcid has " + length + " characters but a kcid has exactly " + KcidCodec.LENGTH
        + ": it was truncated. Send the whole value received on the landing page.";
  }

  static String tooLong(int length) {
    return "The kcid has " + length + " characters but a kcid has exactly " + KcidCodec.LENGTH
        + ": it was padded or concatenated with another value. Send only the kcid.";
  }

  static String invalidCharacter(String raw, int position) {
    int codePoint = raw.codePointAt(position);
    String why = "ilou".indexOf(Character.toLowerCase(codePoint)) >= 0
        ? " (kcids never contain i, l, o or u, so it was likely retyped or altered)"
        : "";
    return "The kcid holds " + describe(codePoint) + " at position " + position
        + ", which is not in the kcid alphabet 0-9 and a-z without i, l, o, u" + why
        + ". Send the value received on the landing page unchanged.";
  }

  static String unsupportedVersion(int version) {
    return "The kcid has layout version " + version + " but this deployment reads only version "
        + KcidLayout.VERSION + ": it was corrupted or issued by a newer deployment.";
  }

  static String unknownKeyId(int keyId) {
    return "The kcid was signed with key id " + keyId + ", which this deployment does not know:"
        + " it was issued elsewhere or its key was retired.";
  }

  static String macMismatch() {
    return "The kcid's checksum does not match: it was altered, mistyped or forged."
        + " Send the value received on the landing page unchanged.";
  }

  static String unknownPartition(int partition, int partitions) {
    return "The kcid names partition " + partition + " but this deployment has only " + partitions
        + " partitions (0.." + (partitions - 1) + "): it was issued by another deployment.";
  }

  /** {@code 'x' (U+0078)} for printable ASCII, {@code U+000A} otherwise. */
  static String describe(int codePoint) {
    String code = String.format("U+%04X", codePoint);
    return codePoint > 0x20 && codePoint < 0x7F ? "'" + (char) codePoint + "' (" + code + ")" : code;
  }

  /** The value with non-printable characters as U+XXXX, cut to a bounded length. */
  private static String echo(String raw) {
    StringBuilder out = new StringBuilder();
    raw.codePoints().limit(MAX_ECHO).forEach(cp ->
        out.append(cp >= 0x20 && cp < 0x7F ? String.valueOf((char) cp) : describe(cp)));
    return raw.codePointCount(0, raw.length()) > MAX_ECHO ? out.append('…').toString() : out.toString();
  }
}
