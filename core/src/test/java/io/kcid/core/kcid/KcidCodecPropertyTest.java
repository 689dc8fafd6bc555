package io.kcid.core.kcid;

import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_TOO_LONG;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_TOO_SHORT;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNKNOWN_KEY_ID;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNKNOWN_PARTITION;
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_UNSUPPORTED_VERSION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

class KcidCodecPropertyTest {
  private static final int PARTITIONS = 1024;
  private static final List<KcidKey> KEYS =
      List.of(TestKeys.key(1, 0x11), TestKeys.key(2, 0x22), TestKeys.key(200, 0x33));
  private static final KcidCodec CODEC = new KcidCodec(new KcidKeyRing(KEYS, 2), PARTITIONS);

  @Property
  void everyFieldRoundTrips(
      @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long seconds,
      @ForAll @IntRange(min = 0, max = PARTITIONS - 1) int partition,
      @ForAll @IntRange(min = 0, max = 2) int keyIndex,
      @ForAll long random) {
    KcidKey key = KEYS.get(keyIndex);
    String kcid = KcidCodec.encode(1, seconds, partition, key.keyId(), random, key);

    DecodedKcid decoded = CODEC.decode(kcid);

    assertThat(decoded).isEqualTo(new DecodedKcid(
        kcid, 1, KcidLayout.EPOCH.plusSeconds(seconds), partition, key.keyId(), random));
  }

  @Property
  void caseDoesNotMatter(@ForAll("kcids") String kcid, @ForAll long upperMask) {
    StringBuilder mixed = new StringBuilder(kcid);
    for (int i = 0; i < mixed.length(); i++) {
      if ((upperMask >>> i & 1) == 1) {
        mixed.setCharAt(i, Character.toUpperCase(mixed.charAt(i)));
      }
    }

    assertThat(CODEC.decode(mixed.toString())).isEqualTo(CODEC.decode(kcid));
    assertThat(CODEC.decode(kcid.toUpperCase())).isEqualTo(CODEC.decode(kcid));
  }

  @Property(tries = 200)
  void everySingleCharacterSubstitutionIsRefused(@ForAll("kcids") String kcid) {
    for (int position = 0; position < kcid.length(); position++) {
      for (char replacement : Base32.ALPHABET.toCharArray()) {
        if (replacement == kcid.charAt(position)) {
          continue;
        }
        String variant = kcid.substring(0, position) + replacement + kcid.substring(position + 1);

        KcidDiagnosis diagnosis = CODEC.inspect(variant);

        assertThat(diagnosis.valid()).as(variant).isFalse();
        assertThat(diagnosis.reason()).as(variant).isIn(
            ERROR_REASON_KCID_MAC_MISMATCH, ERROR_REASON_KCID_UNSUPPORTED_VERSION,
            ERROR_REASON_KCID_UNKNOWN_KEY_ID, ERROR_REASON_KCID_UNKNOWN_PARTITION);
        if (position >= 24) {
          // Characters 24..31 hold only MAC bits.
          assertThat(diagnosis.reason()).as(variant).isEqualTo(ERROR_REASON_KCID_MAC_MISMATCH);
        }
      }
    }
  }

  @Property(tries = 100)
  void everyTruncationIsTooShort(@ForAll("kcids") String kcid) {
    for (int length = 1; length < KcidCodec.LENGTH; length++) {
      assertThat(CODEC.inspect(kcid.substring(0, length)).reason())
          .isEqualTo(ERROR_REASON_KCID_TOO_SHORT);
      assertThat(CODEC.inspect(kcid.substring(KcidCodec.LENGTH - length)).reason())
          .isEqualTo(ERROR_REASON_KCID_TOO_SHORT);
    }
  }

  @Property
  void everyPaddingIsTooLong(
      @ForAll("kcids") String kcid,
      @ForAll @StringLength(min = 1, max = 40) String padding,
      @ForAll boolean before) {
    // Macro characters would (rightly) be reported as a macro first.
    String plain = padding.replaceAll("[{}\\[\\]<>$%#]", "x");
    String padded = before ? plain + kcid : kcid + plain;

    assertThat(CODEC.inspect(padded).reason()).isEqualTo(ERROR_REASON_KCID_TOO_LONG);
  }

  @Property
  void macrosAreRecognised(@ForAll("macros") String macro) {
    assertThat(CODEC.inspect(macro).reason()).isEqualTo(ERROR_REASON_KCID_MACRO_NOT_REPLACED);
  }

  @Example
  void theKnownMacroSpellingsAreRecognised() {
    for (String macro : List.of("{kcid}", "%7Bkcid%7D", "%7bkcid%7d", "{{kcid}}", "[clickid]",
        "${kcid}", "%%kcid%%", "##kcid##", "<kcid>", "{clickid}", "kcid", "CLICKID", "click_id",
        "cid", "SubId", "sub_id", "transaction_id", "%5Bsubid%5D")) {
      assertThat(CODEC.inspect(macro).reason()).as(macro)
          .isEqualTo(ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    }
  }

  @Provide
  Arbitrary<String> kcids() {
    return Arbitraries.integers().between(0, PARTITIONS - 1)
        .flatMap(partition -> Arbitraries.longs().between(0, 0xFFFF_FFFFL)
            .map(seconds -> CODEC.mint(KcidLayout.EPOCH.plusSeconds(seconds), partition)));
  }

  @Provide
  Arbitrary<String> macros() {
    Arbitrary<String> name = Arbitraries.of(
        "kcid", "clickid", "click_id", "cid", "subid", "sub_id", "transaction_id", "KCID", "Kcid");
    Arbitrary<String[]> wrapper = Arbitraries.of(
        new String[] {"{", "}"}, new String[] {"%7B", "%7D"}, new String[] {"%7b", "%7d"},
        new String[] {"{{", "}}"}, new String[] {"[", "]"}, new String[] {"${", "}"},
        new String[] {"%%", "%%"}, new String[] {"##", "##"}, new String[] {"<", ">"},
        new String[] {"%5B", "%5D"});
    return Combinators.combine(name, wrapper).as((n, w) -> w[0] + n + w[1]);
  }
}
