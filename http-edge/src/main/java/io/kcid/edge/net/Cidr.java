package io.kcid.edge.net;

/**
 * An IPv4 or IPv6 block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a block of
 * one ({@code /32} or {@code /128}). IPv4-mapped IPv6 addresses match as IPv4.
 */
public final class Cidr {
  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /**
   * Parses a block.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static Cidr parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    int slash = trimmed.indexOf('/');
    String addressPart = slash < 0 ? trimmed : trimmed.substring(0, slash);
    // A bare literal only: no brackets, zone or port (one colon can only be an IPv4 port).
    boolean bare = !addressPart.contains("[") && !addressPart.contains("%") && addressPart.chars().filter(ch -> ch == ':').count() != 1;
    byte[] address = bare ? IpAddresses.parse(addressPart) : null;
    if (address == null) {
      throw invalid(text);
    }
    // Prefix lengths count in the literal's own family: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
    int bits = addressPart.indexOf(':') >= 0 ? 128 : 32;
    int prefix = bits;
    if (slash >= 0) {
      String prefixText = trimmed.substring(slash + 1);
      if (prefixText.isEmpty() || prefixText.length() > 3 || !prefixText.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        throw invalid(text);
      }
      prefix = Integer.parseInt(prefixText);
      if (prefix > bits) {
        throw invalid(text);
      }
    }
    if (bits == 128 && address.length == 4) {
      if (prefix < 96) {
        throw invalid(text); // would reach beyond the IPv4-mapped range
      }
      prefix -= 96;
    }
    return new Cidr(address, prefix, trimmed);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "trusted proxy must be an IP address or CIDR block such as 10.0.0.0/8 or fd00::/8, got '" + text + "'");
  }

  /** True when the (normalised) address lies in this block. */
  public boolean contains(byte[] address) {
    byte[] candidate = IpAddresses.normalize(address);
    if (candidate.length != network.length) {
      return false;
    }
    int whole = prefix / 8;
    for (int i = 0; i < whole; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (candidate[whole] & mask) == (network[whole] & mask);
  }

  @Override
  public String toString() {
    return text;
  }
}
