package io.kcid.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidDiagnosis;
import io.kcid.core.kcid.KcidKeyRing;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the kcid decoder with arbitrary text (seeds: valid kcids of the key below, macros,
 * truncations). Documented outcomes only: {@code inspect} never throws, {@code decode} throws only
 * {@link KcidException}, and both agree on validity and reason; a valid kcid round-trips.
 */
class KcidCodecFuzzTest {
  /** A fixed ring, so seed kcids minted with it stay valid. */
  static final KcidKeyRing KEYS = KcidKeyRing.parse("1:a2NpZC1mdXp6LWtleS0xLXNlY3JldC1ieXRlcw", 1);
  static final KcidCodec CODEC = new KcidCodec(KEYS, 16);

  @FuzzTest(maxDuration = "10s")
  void inspectAndDecodeAgree(byte[] input) {
    String raw = new String(input, StandardCharsets.UTF_8);
    KcidDiagnosis diagnosis = CODEC.inspect(raw);
    assertThat(diagnosis.hint()).isNotNull();
    DecodedKcid decoded;
    try {
      decoded = CODEC.decode(raw);
    } catch (KcidException e) {
      assertThat(diagnosis.valid()).isFalse();
      assertThat(e.reason()).isEqualTo(diagnosis.reason());
      return;
    }
    assertThat(diagnosis.valid()).isTrue();
    assertThat(decoded.kcid()).hasSize(KcidCodec.LENGTH).isEqualTo(KcidCodec.normalize(raw.strip()).strip());
    assertThat(CODEC.decode(decoded.kcid())).isEqualTo(decoded);
    assertThat(decoded.partition()).isBetween(0, 15);
  }
}
