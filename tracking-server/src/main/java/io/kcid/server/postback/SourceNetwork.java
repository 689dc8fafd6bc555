package io.kcid.server.postback;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The sender's address as the postback log keeps it: its network only (IPv4 /24, IPv6 /48), so
 * the log helps to recognise a sender without storing a personal address. Only IP literals are
 * parsed (never a DNS lookup); anything else is not kept.
 */
public final class SourceNetwork {
  static final int IPV4_PREFIX = 24;
  static final int IPV6_PREFIX = 48;

  private SourceNetwork() {}

  /** {@code 203.0.113.7} → {@code 203.0.113.0/24}; {@code 2001:db8:1:2::7} → {@code 2001:db8:1::/48}. */
  public static String of(String address) {
    if (address == null || address.isEmpty() || !InetAddresses.isInetAddress(address)) {
      return "";
    }
    InetAddress ip = InetAddresses.forString(address);
    int prefix = ip instanceof Inet4Address ? IPV4_PREFIX : IPV6_PREFIX;
    byte[] network = Arrays.copyOf(ip.getAddress(), ip.getAddress().length);
    Arrays.fill(network, prefix / 8, network.length, (byte) 0);
    try {
      return InetAddresses.toAddrString(InetAddress.getByAddress(network)) + "/" + prefix;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("an address of 4 or 16 bytes", e);
    }
  }
}
