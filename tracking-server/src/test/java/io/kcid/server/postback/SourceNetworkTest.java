package io.kcid.server.postback;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceNetworkTest {
  @Test
  void keepsOnlyTheNetworkOfAnAddress() {
    assertThat(SourceNetwork.of("203.0.113.77")).isEqualTo("203.0.113.0/24");
    assertThat(SourceNetwork.of("2001:db8:aa:bb:cc::7")).isEqualTo("2001:db8:aa::/48");
    assertThat(SourceNetwork.of("::1")).isEqualTo("::/48");
    // An IPv4-mapped IPv6 address is the IPv4 address.
    assertThat(SourceNetwork.of("::ffff:198.51.100.9")).isEqualTo("198.51.100.0/24");
  }

  @Test
  void keepsNothingThatIsNotAnAddressAndNeverResolvesNames() {
    assertThat(SourceNetwork.of("")).isEmpty();
    assertThat(SourceNetwork.of(null)).isEmpty();
    assertThat(SourceNetwork.of("localhost")).isEmpty();
    assertThat(SourceNetwork.of("example.com")).isEmpty();
    assertThat(SourceNetwork.of("203.0.113.77, 10.0.0.1")).isEmpty();
  }
}
