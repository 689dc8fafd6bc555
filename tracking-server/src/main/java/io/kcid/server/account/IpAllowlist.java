package io.kcid.server.account;

import com.google.common.net.InetAddresses;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * IP addresses and CIDR blocks an account accepts postbacks from. Parsed with Guava's literal-only
 * parser, so no entry ever triggers a DNS lookup.
 */
public final class IpAllowlist {
  private record Block(byte[] network, int prefix) {}

  private final List<Block> blocks;

  private IpAllowlist(List<Block> blocks) {
    this.blocks = blocks;
  }

  /** Parses entries like {@code 203.0.113.7}, {@code 198.51.100.0/24}, {@code 2001:db8::/32}. */
  public static IpAllowlist parse(List<String> entries) {
    return new IpAllowlist(entries.stream().map(IpAllowlist::block).toList());
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code address} (a literal IP; anything else is not allowed) is in a block. */
  public boolean allows(String address) {
    if (address == null || address.isEmpty() || !InetAddresses.isInetAddress(address)) {
      return false;
    }
    byte[] ip = InetAddresses.forString(address).getAddress();
    for (Block b : blocks) {
      if (b.network.length == ip.length && matches(b, ip)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Block b, byte[] ip) {
    int full = b.prefix / 8;
    for (int i = 0; i < full; i++) {
      if (ip[i] != b.network[i]) {
        return false;
      }
    }
    int rest = b.prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (ip[full] & mask) == (b.network[full] & mask);
  }

  private static Block block(String entry) {
    String text = entry.trim();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    if (!InetAddresses.isInetAddress(address)) {
      throw invalid(entry);
    }
    InetAddress ip = InetAddresses.forString(address);
    int bits = ip.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw invalid(entry);
      }
      if (prefix < 0 || prefix > bits) {
        throw invalid(entry);
      }
    }
    return new Block(ip.getAddress(), prefix);
  }

  private static KcidException invalid(String entry) {
    return new KcidException(
        ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "ip_allowlist entry '" + entry + "' is not an IP address or CIDR block such as 198.51.100.0/24",
        Map.of("field", "ip_allowlist"));
  }
}
