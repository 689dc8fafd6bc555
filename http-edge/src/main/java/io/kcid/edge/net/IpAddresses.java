package io.kcid.edge.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * IP address literals without any DNS lookup: parsing (IPv4 dotted, IPv6 with or without brackets,
 * a zone id or a port), normalisation (an IPv4-mapped IPv6 address is its IPv4 address) and the
 * canonical text the edge forwards (IPv4 dotted, IPv6 in RFC 5952 form, no brackets, no zone).
 */
public final class IpAddresses {
  private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

  private IpAddresses() {}

  /**
   * The address bytes (4 or 16) of a literal, or null when it is not an IP literal. Host names are
   * never resolved. Accepted: {@code 203.0.113.9}, {@code 203.0.113.9:4711}, {@code 2001:db8::1},
   * {@code [2001:db8::1]}, {@code [2001:db8::1]:4711}, {@code fe80::1%eth0}.
   */
  public static byte[] parse(String text) {
    if (text == null) {
      return null;
    }
    String literal = text.trim();
    if (literal.startsWith("[")) {
      int close = literal.indexOf(']');
      if (close < 0 || (close != literal.length() - 1 && !isPort(literal, close + 1))) {
        return null;
      }
      literal = literal.substring(1, close);
    } else if (literal.indexOf(':') == literal.lastIndexOf(':') && literal.indexOf(':') > 0 && literal.indexOf('.') > 0) {
      int colon = literal.indexOf(':'); // IPv4 with a port
      if (!isPort(literal, colon)) {
        return null;
      }
      literal = literal.substring(0, colon);
    }
    if (literal.isEmpty()) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
    return bytes == null ? null : normalize(bytes);
  }

  /** An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) becomes its 4 IPv4 bytes; others are unchanged. */
  public static byte[] normalize(byte[] address) {
    if (address.length == 16 && Arrays.equals(address, 0, 12, MAPPED_PREFIX, 0, 12)) {
      return Arrays.copyOfRange(address, 12, 16);
    }
    return address;
  }

  /** IPv4 dotted, IPv6 compressed (RFC 5952), never brackets or a zone. */
  public static String format(byte[] address) {
    try {
      return NetUtil.toAddressString(InetAddress.getByAddress(normalize(address)));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address: " + address.length + " bytes", e);
    }
  }

  /** True when {@code text} from {@code colon} on is {@code :<1-5 digits>}. */
  private static boolean isPort(String text, int colon) {
    int digits = text.length() - colon - 1;
    if (text.charAt(colon) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    for (int i = colon + 1; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
