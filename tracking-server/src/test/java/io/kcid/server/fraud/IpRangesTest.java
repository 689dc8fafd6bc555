package io.kcid.server.fraud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Range lists: canonical forms, refusals for a person, lookups at the edges of merged ranges. */
class IpRangesTest {

  @Test
  void entriesAreCanonicalised() {
    assertThat(IpRanges.canonical("192.0.2.7")).isEqualTo("192.0.2.7/32");
    assertThat(IpRanges.canonical(" 198.51.100.9/24 ")).isEqualTo("198.51.100.0/24");
    assertThat(IpRanges.canonical("2001:DB8:0:0:1::/48")).isEqualTo("2001:db8::/48");
    assertThat(IpRanges.canonical("10.1.2.3/0")).isEqualTo("0.0.0.0/0");
  }

  @Test
  void badEntriesAreRefusedWithAReason() {
    assertThatThrownBy(() -> IpRanges.canonical("example.com")).hasMessageContaining("not an IPv4 or IPv6 address");
    assertThatThrownBy(() -> IpRanges.canonical("300.1.1.1")).hasMessageContaining("not an IPv4 or IPv6 address");
    assertThatThrownBy(() -> IpRanges.canonical("192.0.2.0/33")).hasMessageContaining("between /0 and /32");
    assertThatThrownBy(() -> IpRanges.canonical("2001:db8::/129")).hasMessageContaining("between /0 and /128");
    assertThatThrownBy(() -> IpRanges.canonical("192.0.2.0/x")).hasMessageContaining("prefix length");
  }

  @Test
  void lookupsFindAddressesInsideAndOnlyInside() {
    IpRanges ranges = IpRanges.of(List.of("198.51.100.0/24", "198.51.101.0/24", "192.0.2.7/32", "2001:db8::/32"));
    assertThat(ranges.contains("198.51.100.0")).isTrue();
    assertThat(ranges.contains("198.51.101.255")).isTrue();
    assertThat(ranges.contains("198.51.102.0")).isFalse();
    assertThat(ranges.contains("198.51.99.255")).isFalse();
    assertThat(ranges.contains("192.0.2.7")).isTrue();
    assertThat(ranges.contains("192.0.2.8")).isFalse();
    assertThat(ranges.contains("2001:db8:ffff::1")).isTrue();
    assertThat(ranges.contains("2001:db9::1")).isFalse();
    assertThat(ranges.contains("not-an-ip")).isFalse();
    assertThat(ranges.contains("")).isFalse();
    assertThat(IpRanges.EMPTY.contains("192.0.2.7")).isFalse();
  }

  @Test
  void networkDigestsGroupA24AndA48() {
    assertThat(NetworkDigest.of("203.0.113.1")).isEqualTo(NetworkDigest.of("203.0.113.254")).isNotZero();
    assertThat(NetworkDigest.of("203.0.113.1")).isNotEqualTo(NetworkDigest.of("203.0.114.1"));
    assertThat(NetworkDigest.of("2001:db8:1:2::1")).isEqualTo(NetworkDigest.of("2001:db8:1:ffff::9"));
    assertThat(NetworkDigest.of("2001:db8:1::1")).isNotEqualTo(NetworkDigest.of("2001:db8:2::1"));
    assertThat(NetworkDigest.of("")).isZero();
    assertThat(NetworkDigest.of("localhost")).isZero();
  }
}
