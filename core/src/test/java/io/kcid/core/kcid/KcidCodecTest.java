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
import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_UNSPECIFIED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class KcidCodecTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final KcidKey KEY_1 = TestKeys.key(1, 0x11);
  private static final KcidKey KEY_2 = TestKeys.key(2, 0x22);

  private final KcidCodec codec = new KcidCodec(new KcidKeyRing(List.of(KEY_1), 1), 64);

  @Test
  void theDocumentedTestVectorEncodesAndDecodes() {
    // Also in KCID-FORMAT.md; computed independently of this code.
    String kcid = KcidCodec.encode(1, 189_388_800L, 42, 1, 0x0123456789abcdefL, TestKeys.vectorKey());
    assertThat(kcid).isEqualTo("22t9v000580g28t5cy4tqkffxbnpwabw");

    KcidCodec vectorCodec = new KcidCodec(new KcidKeyRing(List.of(TestKeys.vectorKey()), 1), 4096);
    assertThat(vectorCodec.decode(kcid))
        .isEqualTo(new DecodedKcid(kcid, 1, T, 42, 1, 0x0123456789abcdefL));
  }

  @Test
  void mintedKcidDecodesToItsFields() {
    String kcid = codec.mint(T.plusMillis(999), 7);

    DecodedKcid decoded = codec.decode(kcid);

    assertThat(kcid).hasSize(KcidCodec.LENGTH);
    assertThat(decoded.kcid()).isEqualTo(kcid);
    assertThat(decoded.version()).isEqualTo(1);
    assertThat(decoded.issueTime()).as("kept to the second, never rounded up").isEqualTo(T);
    assertThat(decoded.partition()).isEqualTo(7);
    assertThat(decoded.keyId()).isEqualTo(1);
  }

  @Test
  void aKcidMintedWithItsFieldsHasTheFieldsDecodingItGives() {
    for (int i = 0; i < 100; i++) {
      DecodedKcid minted = codec.mintRandomPartitionDecoded(T.plusMillis(999));

      assertThat(codec.decode(minted.kcid())).isEqualTo(minted);
      assertThat(minted.issueTime()).isEqualTo(T);
    }
  }

  @Test
  void issueTimeCoversTheWholeUnsignedRange() {
    Instant first = Instant.parse("2020-01-01T00:00:00Z");
    Instant last = Instant.parse("2156-02-07T06:28:15Z");

    assertThat(codec.decode(codec.mint(first, 0)).issueTime()).isEqualTo(first);
    assertThat(codec.decode(codec.mint(last, 0)).issueTime()).isEqualTo(last);
    assertThatThrownBy(() -> codec.mint(first.minusSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.mint(last.plusSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mintRefusesAPartitionOutsideTheDeployment() {
    assertThatThrownBy(() -> codec.mint(T, 64)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.mint(T, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomPartitionsStayInRangeAndAllOccur() {
    KcidCodec fourPartitions = new KcidCodec(new KcidKeyRing(List.of(KEY_1), 1), 4);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      seen.add(fourPartitions.decode(fourPartitions.mintRandomPartition(T)).partition());
    }
    // With 2000 uniform draws, missing one of 4 partitions has probability ~ 4 * 0.75^2000.
    assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3);
  }

  @Test
  void partitionsMustBeBetweenOneAnd4096() {
    KcidKeyRing ring = new KcidKeyRing(List.of(KEY_1), 1);
    assertThatThrownBy(() -> new KcidCodec(ring, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KcidCodec(ring, 4097)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new KcidCodec(ring, 4096).mint(T, 4095)).hasSize(32);
  }

  @Test
  void hundredThousandMintedKcidsAreDistinct() {
    Set<String> kcids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      kcids.add(codec.mint(T, 0));
    }
    assertThat(kcids).hasSize(100_000);
  }

  @Test
  void oneCodecServesManyThreads() {
    List<String> kcids = IntStream.range(0, 20_000).parallel()
        .mapToObj(i -> codec.mint(T.plusSeconds(i), i % 64))
        .toList();

    assertThat(kcids.parallelStream().map(codec::decode).map(DecodedKcid::issueTime).toList())
        .isEqualTo(IntStream.range(0, 20_000).mapToObj(T::plusSeconds).toList());
  }

  @Test
  void alphabetHasNoAmbiguousLettersAndKcidsAreUrlSafe() {
    assertThat(Base32.ALPHABET).hasSize(32).doesNotContain("i", "l", "o", "u");
    assertThat(Base32.ALPHABET.chars().distinct().count()).isEqualTo(32);
    assertThat(Base32.ALPHABET).isLowerCase();
    for (int i = 0; i < 1_000; i++) {
      String kcid = codec.mintRandomPartition(T);
      assertThat(URLEncoder.encode(kcid, StandardCharsets.UTF_8)).isEqualTo(kcid);
    }
  }

  @ParameterizedTest
  @NullAndEmptySource
  void missing(String raw) {
    assertRefused(raw, ERROR_REASON_KCID_MISSING);
  }

  @Test
  void macroHintTellsWhatToReplace() {
    KcidException e = refusal("{kcid}");
    assertThat(e.reason()).isEqualTo(ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    assertThat(e.getMessage()).isEqualTo("The kcid parameter holds the literal macro {kcid}:"
        + " the advertiser's postback template was not filled in."
        + " Replace {kcid} with the value received on the landing page.");
  }

  @Test
  void lengthHintsGiveExpectedAndActualLength() {
    String kcid = codec.mint(T, 0);

    KcidException shortOne = refusal(kcid.substring(0, 20));
    KcidException longOne = refusal(kcid + kcid);

    assertThat(shortOne.reason()).isEqualTo(ERROR_REASON_KCID_TOO_SHORT);
    assertThat(shortOne.getMessage()).contains("20", "32", "truncated");
    assertThat(shortOne.metadata()).containsEntry("length", "20");
    assertThat(longOne.reason()).isEqualTo(ERROR_REASON_KCID_TOO_LONG);
    assertThat(longOne.getMessage()).contains("64", "32", "padded or concatenated");
  }

  @Test
  void invalidCharacterIsLocatedAndNamed() {
    String kcid = codec.mint(T, 0);

    KcidException newline = refusal(kcid.substring(0, 31) + "\n");
    KcidException aliasI = refusal("I" + kcid.substring(1));
    KcidException space = refusal(kcid.substring(0, 5) + " " + kcid.substring(6));

    assertThat(newline.reason()).isEqualTo(ERROR_REASON_KCID_INVALID_CHARACTERS);
    assertThat(newline.metadata()).containsEntry("position", "31");
    assertThat(newline.getMessage()).contains("U+000A", "position 31");
    assertThat(aliasI.metadata()).containsEntry("position", "0");
    assertThat(aliasI.getMessage()).contains("'I' (U+0049)", "never contain i, l, o or u");
    assertThat(space.metadata()).containsEntry("position", "5");
  }

  @Test
  void nonAsciiLookalikesAreNotCaseFolded() {
    String kcid = codec.mint(T, 0);
    // The Kelvin sign lower-cases to 'k' in Unicode, a full-width zero looks like '0'.
    String withKelvinSign = "\u212A" + kcid.substring(1);
    String withFullWidthDigit = "\uFF10" + kcid.substring(1);

    assertRefused(withKelvinSign, ERROR_REASON_KCID_INVALID_CHARACTERS);
    assertRefused(withFullWidthDigit, ERROR_REASON_KCID_INVALID_CHARACTERS);
  }

  @Test
  void unsupportedVersion() {
    String v2 = KcidCodec.encode(2, 100, 0, 1, 5L, KEY_1);

    KcidDiagnosis diagnosis = codec.inspect(v2);

    assertThat(diagnosis.reason()).isEqualTo(ERROR_REASON_KCID_UNSUPPORTED_VERSION);
    assertThat(diagnosis.decoded()).as("another version has another layout").isEmpty();
    assertThat(refusal(v2).metadata()).containsEntry("version", "2");
  }

  @Test
  void unknownKeyIdStillShowsTheFields() {
    String forged = KcidCodec.encode(1, 100, 3, 9, 5L, KEY_1);

    KcidDiagnosis diagnosis = codec.inspect(forged);

    assertThat(diagnosis.reason()).isEqualTo(ERROR_REASON_KCID_UNKNOWN_KEY_ID);
    assertThat(diagnosis.decoded()).hasValueSatisfying(d -> assertThat(d.keyId()).isEqualTo(9));
    assertThat(refusal(forged).metadata()).containsEntry("keyId", "9");
  }

  @Test
  void macMismatchStillShowsTheFields() {
    String forged = KcidCodec.encode(1, 100, 3, 1, 5L, KEY_2);

    KcidDiagnosis diagnosis = codec.inspect(forged);

    assertThat(diagnosis.valid()).isFalse();
    assertThat(diagnosis.reason()).isEqualTo(ERROR_REASON_KCID_MAC_MISMATCH);
    assertThat(diagnosis.decoded())
        .contains(new DecodedKcid(forged, 1, KcidLayout.EPOCH.plusSeconds(100), 3, 1, 5L));
  }

  @Test
  void partitionOutsideTheDeploymentIsCheckedAfterTheMac() {
    String otherDeployment = KcidCodec.encode(1, 100, 64, 1, 5L, KEY_1);

    KcidException e = refusal(otherDeployment);

    assertThat(e.reason()).isEqualTo(ERROR_REASON_KCID_UNKNOWN_PARTITION);
    assertThat(e.metadata()).containsEntry("partition", "64");
    assertThat(e.getMessage()).contains("partition 64", "0..63");
  }

  @Test
  void validDiagnosisCarriesTheFields() {
    String kcid = codec.mint(T, 5);

    KcidDiagnosis diagnosis = codec.inspect(kcid.toUpperCase());

    assertThat(diagnosis.valid()).isTrue();
    assertThat(diagnosis.reason()).isEqualTo(ERROR_REASON_UNSPECIFIED);
    assertThat(diagnosis.decoded()).contains(codec.decode(kcid));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{kcid}", "abc", "\u0000", "22t9v000580g28t5cy4tqkffxbnpwabw"})
  void inspectNeverThrows(String raw) {
    assertThat(codec.inspect(raw).valid()).isFalse();
  }

  @Test
  void normalizeLowerCasesOnlyAsciiLetters() {
    assertThat(KcidCodec.normalize("AbC-\u212A9")).isEqualTo("abc-\u212A9");
  }

  @Test
  void keyRotationKeepsOldKcidsUntilTheirKeyIsDropped() {
    String underKey1 = codec.mint(T, 0);
    KcidCodec rotated = new KcidCodec(new KcidKeyRing(List.of(KEY_1, KEY_2), 2), 64);
    KcidCodec retired = new KcidCodec(new KcidKeyRing(List.of(KEY_2), 2), 64);

    assertThat(rotated.decode(underKey1).keyId()).isEqualTo(1);
    assertThat(rotated.decode(rotated.mint(T, 0)).keyId()).isEqualTo(2);
    assertThat(retired.inspect(underKey1).reason()).isEqualTo(ERROR_REASON_KCID_UNKNOWN_KEY_ID);
  }

  private void assertRefused(String raw, io.kcid.proto.tracking.v1.ErrorReason reason) {
    assertThat(refusal(raw).reason()).isEqualTo(reason);
    KcidDiagnosis diagnosis = codec.inspect(raw);
    assertThat(diagnosis.valid()).isFalse();
    assertThat(diagnosis.reason()).isEqualTo(reason);
  }

  private KcidException refusal(String raw) {
    try {
      codec.decode(raw);
    } catch (KcidException e) {
      return e;
    }
    throw new AssertionError("decoded without error: " + raw);
  }
}
