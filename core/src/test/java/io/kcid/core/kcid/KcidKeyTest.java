package io.kcid.core.kcid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KcidKeyTest {
  @Test
  void secretIsCopiedInAndOut() {
    byte[] secret = new byte[16];
    KcidKey key = new KcidKey(1, secret);

    secret[0] = 9;
    key.secret()[1] = 9;

    assertThat(key.secret()).isEqualTo(new byte[16]);
  }

  @Test
  void toStringNeverShowsTheSecret() {
    byte[] secret = new byte[20];
    Arrays.fill(secret, (byte) 0x41); // "AAAA..." in any rendering

    assertThat(new KcidKey(3, secret))
        .hasToString("KcidKey[keyId=3, secret=<20 bytes, redacted>]");
  }

  @Test
  void equalityIsByIdAndSecretContent() {
    assertThat(TestKeys.key(1, 5)).isEqualTo(TestKeys.key(1, 5)).hasSameHashCodeAs(TestKeys.key(1, 5));
    assertThat(TestKeys.key(1, 5)).isNotEqualTo(TestKeys.key(1, 6)).isNotEqualTo(TestKeys.key(2, 5));
  }

  @Test
  void keyIdAndSecretLengthAreValidated() {
    assertThatThrownBy(() -> new KcidKey(256, new byte[16])).hasMessageContaining("0..255");
    assertThatThrownBy(() -> new KcidKey(-1, new byte[16])).hasMessageContaining("0..255");
    assertThatThrownBy(() -> new KcidKey(1, new byte[15])).hasMessageContaining("at least 16");
  }
}
