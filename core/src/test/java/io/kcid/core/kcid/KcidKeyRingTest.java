package io.kcid.core.kcid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KcidKeyRingTest {
  private static final String SECRET_1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"; // 0x00..0x1f
  private static final String SECRET_2 = Base64.getUrlEncoder().encodeToString(new byte[20]);

  @Test
  void parsesPaddedAndUnpaddedSecrets() {
    KcidKeyRing ring = KcidKeyRing.parse("1:" + SECRET_1 + ", 2:" + SECRET_2, 2);

    assertThat(SECRET_2).as("padded").endsWith("=");
    assertThat(ring.active().keyId()).isEqualTo(2);
    assertThat(ring.find(1)).contains(TestKeys.vectorKey());
    assertThat(ring.find(2).orElseThrow().secret()).isEqualTo(new byte[20]);
    assertThat(ring.find(3)).isEmpty();
    assertThat(ring.find(-1)).isEmpty();
    assertThat(ring.find(256)).isEmpty();
  }

  @Test
  void toSpecIsTheInverseOfParse() {
    KcidKeyRing ring = KcidKeyRing.parse("7:" + SECRET_1 + ",3:" + SECRET_2, 3);

    KcidKeyRing again = KcidKeyRing.parse(ring.toSpec(), 3);

    assertThat(ring.toSpec()).startsWith("7:" + SECRET_1 + ",3:").doesNotContain("=");
    assertThat(again.keys()).isEqualTo(ring.keys());
  }

  @Test
  void generatedRingsHaveFreshThirtyTwoByteSecrets() {
    KcidKeyRing a = KcidKeyRing.generate(4);
    KcidKeyRing b = KcidKeyRing.generate(4);

    assertThat(a.active().keyId()).isEqualTo(4);
    assertThat(a.active().secret()).hasSize(32);
    assertThat(a.active()).isNotEqualTo(b.active());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "1", "1:", "x:" + SECRET_1, "256:" + SECRET_1, "-1:" + SECRET_1, "1:" + SECRET_1 + ",",
      "1:AAECAwQFBgcICQoLDA0ODx+/", "1:AAECAwQFBgcI"})
  void malformedSpecsAreRefusedWithoutEchoingSecrets(String spec) {
    assertThatThrownBy(() -> KcidKeyRing.parse(spec, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("AAECAwQF")
        .hasMessageNotContaining("+/")
        .hasNoCause();
  }

  @Test
  void parseErrorsSayWhatWasExpected() {
    assertThatThrownBy(() -> KcidKeyRing.parse("secretwithoutid", 1))
        .hasMessageContaining("<keyId>:<base64url secret>")
        .hasMessageNotContaining("secretwithoutid");
    assertThatThrownBy(() -> KcidKeyRing.parse("1:AAECAwQFBgcI", 1))
        .hasMessageContaining("at least 16");
  }

  @Test
  void ringIsValidated() {
    KcidKey one = TestKeys.key(1, 1);
    assertThatThrownBy(() -> new KcidKeyRing(List.of(), 1)).hasMessageContaining("at least one");
    assertThatThrownBy(() -> new KcidKeyRing(List.of(one, TestKeys.key(1, 2)), 1))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new KcidKeyRing(List.of(one), 2))
        .hasMessageContaining("active key id 2");
  }

  @Test
  void ringToStringNamesKeyIdsOnly() {
    KcidKeyRing ring = KcidKeyRing.parse("1:" + SECRET_1, 1);
    assertThat(ring).hasToString("KcidKeyRing[keyIds=[1], active=1]");
  }
}
