package io.kcid.edge.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ClientIpResolverTest {
  private final ClientIpResolver none = new ClientIpResolver(List.of());
  private final ClientIpResolver proxies = new ClientIpResolver(List.of("10.0.0.0/8", "192.0.2.1", "fd00::/8"));

  private static InetSocketAddress peer(String literal) throws Exception {
    return new InetSocketAddress(InetAddress.getByAddress(IpAddresses.parse(literal)), 4711);
  }

  @Test
  void thePeerAsAPlainAddress() throws Exception {
    assertThat(none.resolve(peer("203.0.113.9"), List.of())).isEqualTo("203.0.113.9");
    assertThat(none.resolve(peer("2001:db8:0:0::1"), List.of())).isEqualTo("2001:db8::1");
    assertThat(none.resolve(new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 1), List.of())).isEqualTo("fe80::1");
    assertThat(none.resolve(peer("::ffff:198.51.100.7"), List.of())).isEqualTo("198.51.100.7");
    assertThat(none.resolve(null, List.of())).isEmpty();
  }

  @Test
  void forwardedForOnlyFromTrustedPeers() throws Exception {
    assertThat(none.resolve(peer("10.0.0.1"), List.of("203.0.113.9"))).isEqualTo("10.0.0.1");
    assertThat(proxies.resolve(peer("198.51.100.1"), List.of("203.0.113.9"))).isEqualTo("198.51.100.1");
    assertThat(proxies.resolve(peer("10.0.0.1"), List.of("1.1.1.1, 203.0.113.9, 192.0.2.1"))).isEqualTo("203.0.113.9");
    assertThat(proxies.resolve(peer("fd00::1"), List.of("2001:db8::7, fd12::1"))).isEqualTo("2001:db8::7");
    assertThat(proxies.resolve(peer("::ffff:10.0.0.1"), List.of("203.0.113.9:80"))).isEqualTo("203.0.113.9");
    assertThat(proxies.resolve(peer("10.0.0.1"), List.of(""))).isEqualTo("10.0.0.1");
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8,10.255.1.2,true", "10.0.0.0/8,11.0.0.0,false", "192.0.2.0/25,192.0.2.127,true", "192.0.2.0/25,192.0.2.128,false",
    "0.0.0.0/0,8.8.8.8,true", "0.0.0.0/0,::1,false", "2001:db8::/32,2001:db8:ffff::1,true", "2001:db8::/32,2001:db9::1,false",
    "::/0,::1,true", "::ffff:10.0.0.0/104,10.1.1.1,true", "::ffff:10.0.0.0/104,11.1.1.1,false", "192.0.2.1,192.0.2.1,true", "10.1.2.3/8,10.9.9.9,true"
  })
  void cidrMatching(String block, String address, boolean expected) {
    assertThat(Cidr.parse(block).contains(IpAddresses.parse(address))).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a", "example.com", "10.0.0.1:80", "[::1]", "::1/129", "fe80::1%eth0", "10.0.0/8", "::ffff:10.0.0.0/95"})
  void invalidBlocksNameTheValue(String block) {
    assertThatThrownBy(() -> Cidr.parse(block)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + block + "'");
  }
}
