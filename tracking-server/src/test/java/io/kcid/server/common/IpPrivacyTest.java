package io.kcid.server.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IpPrivacyTest {
  private static final String KEY = Base64.getUrlEncoder().withoutPadding()
      .encodeToString("0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII));

  @Test
  void truncateKeepsTheSlash24AndTheSlash48() {
    IpPrivacy privacy = IpPrivacy.of("truncate", null);
    assertThat(privacy.apply("203.0.113.77")).isEqualTo("203.0.113.0");
    assertThat(privacy.apply("2001:db8:abcd:12:34::9")).isEqualTo("2001:db8:abcd::");
    assertThat(privacy.apply("::ffff:198.51.100.200")).isEqualTo("198.51.100.0");
    assertThat(privacy.apply("2001:0DB8:ABCD:0012::1")).isEqualTo("2001:db8:abcd::");
  }

  @Test
  void hashIsKeyedStableAndUnreadable() {
    IpPrivacy privacy = IpPrivacy.of("hash", KEY);
    String first = privacy.apply("203.0.113.77");
    assertThat(first).startsWith("h:").doesNotContain("203").hasSize(2 + 22);
    assertThat(privacy.apply("203.0.113.77")).isEqualTo(first);
    assertThat(privacy.apply("203.0.113.78")).isNotEqualTo(first);
    // Another key unlinks the records.
    String otherKey = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertThat(IpPrivacy.of("hash", otherKey).apply("203.0.113.77")).isNotEqualTo(first);
    // Spellings of one IPv6 address hash alike.
    assertThat(privacy.apply("2001:DB8::1")).isEqualTo(privacy.apply("2001:db8:0:0::1"));
  }

  @Test
  void noneKeepsTheAddressInCanonicalForm() {
    assertThat(IpPrivacy.of("none", null).apply("2001:DB8:0:0::1")).isEqualTo("2001:db8::1");
    assertThat(IpPrivacy.of("NONE", null).apply("192.0.2.1")).isEqualTo("192.0.2.1");
  }

  @Test
  void anythingButAnIpLiteralIsStoredAsNothing() {
    IpPrivacy privacy = IpPrivacy.truncate();
    assertThat(privacy.apply("")).isEmpty();
    assertThat(privacy.apply(null)).isEmpty();
    assertThat(privacy.apply("localhost")).isEmpty();
    assertThat(privacy.apply("203.0.113.77, 10.0.0.1")).isEmpty();
  }

  @Test
  void configurationIsValidated() {
    assertThatThrownBy(() -> IpPrivacy.of("mask", null)).hasMessageContaining("truncate, hash or none");
    assertThatThrownBy(() -> IpPrivacy.of("hash", null)).hasMessageContaining("KCID_IP_HASH_KEY");
    assertThatThrownBy(() -> IpPrivacy.of("hash", "c2hvcnQ")).hasMessageContaining("at least 16 bytes");
    assertThat(IpPrivacy.of("hash", KEY).toString()).doesNotContain(KEY);
  }
}
