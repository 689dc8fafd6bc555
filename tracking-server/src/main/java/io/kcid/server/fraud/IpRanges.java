package io.kcid.server.fraud;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable set of IPv4 and IPv6 ranges, merged and sorted for a binary search per lookup.
 * Only IP literals are parsed, never a host name (no DNS lookup on the click path).
 */
public final class IpRanges {
  /** No ranges. */
  public static final IpRanges EMPTY = new IpRanges(List.of());

  /** Inclusive bounds as unsigned numbers of 32 or 128 bits. */
  private record Range(BigInteger first, BigInteger last) {}

  private final BigInteger[] v4First;
  private final BigInteger[] v4Last;
  private final BigInteger[] v6First;
  private final BigInteger[] v6Last;
  private final int size;

  private IpRanges(Collection<String> cidrs) {
    List<Range> v4 = new ArrayList<>();
    List<Range> v6 = new ArrayList<>();
    for (String cidr : cidrs) {
      int slash = cidr.indexOf('/');
      byte[] address = InetAddresses.forString(cidr.substring(0, slash)).getAddress();
      int prefix = Integer.parseInt(cidr.substring(slash + 1));
      int bits = address.length * 8;
      BigInteger first = new BigInteger(1, address);
      BigInteger last = first.or(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
      (bits == 32 ? v4 : v6).add(new Range(first, last));
    }
    List<Range> m4 = merged(v4);
    List<Range> m6 = merged(v6);
    this.v4First = m4.stream().map(Range::first).toArray(BigInteger[]::new);
    this.v4Last = m4.stream().map(Range::last).toArray(BigInteger[]::new);
    this.v6First = m6.stream().map(Range::first).toArray(BigInteger[]::new);
    this.v6Last = m6.stream().map(Range::last).toArray(BigInteger[]::new);
    this.size = cidrs.size();
  }

  /** Ranges in canonical CIDR form (as {@link #canonical} returns them). */
  public static IpRanges of(Collection<String> cidrs) {
    return cidrs.isEmpty() ? EMPTY : new IpRanges(cidrs);
  }

  /** How many ranges it was built from. */
  public int size() {
    return size;
  }

  /** Whether {@code address} (an IP literal; anything else is in no range) lies in a range. */
  public boolean contains(String address) {
    if (address == null || address.isEmpty() || size == 0 || !InetAddresses.isInetAddress(address)) {
      return false;
    }
    byte[] ip = InetAddresses.forString(address).getAddress();
    BigInteger n = new BigInteger(1, ip);
    return ip.length == 4 ? within(v4First, v4Last, n) : within(v6First, v6Last, n);
  }

  private static boolean within(BigInteger[] first, BigInteger[] last, BigInteger n) {
    int i = Arrays.binarySearch(first, n);
    int at = i >= 0 ? i : -i - 2; // the last range starting at or before n
    return at >= 0 && n.compareTo(last[at]) <= 0;
  }

  private static List<Range> merged(List<Range> ranges) {
    ranges.sort(Comparator.comparing(Range::first));
    List<Range> out = new ArrayList<>();
    for (Range r : ranges) {
      Range top = out.isEmpty() ? null : out.get(out.size() - 1);
      if (top != null && r.first().compareTo(top.last().add(BigInteger.ONE)) <= 0) {
        out.set(out.size() - 1, new Range(top.first(), top.last().max(r.last())));
      } else {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * An address or CIDR range in canonical form ({@code 192.0.2.7} → {@code 192.0.2.7/32},
   * {@code 198.51.100.9/24} → {@code 198.51.100.0/24}, IPv6 compressed and lower case).
   *
   * @throws IllegalArgumentException with a message for a person, when it is neither
   */
  public static String canonical(String entry) {
    String text = entry.trim();
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    if (!InetAddresses.isInetAddress(address)) {
      throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address");
    }
    byte[] ip = InetAddresses.forString(address).getAddress();
    int bits = ip.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = text.substring(slash + 1);
      if (!length.matches("[0-9]{1,3}") || Integer.parseInt(length) > bits) {
        throw new IllegalArgumentException("prefix length '/" + length + "' is not between /0 and /" + bits);
      }
      prefix = Integer.parseInt(length);
    }
    for (int b = prefix; b < bits; b++) {
      ip[b / 8] &= (byte) ~(0x80 >>> (b % 8));
    }
    try {
      return InetAddresses.toAddrString(InetAddress.getByAddress(ip)) + "/" + prefix;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("an address of 4 or 16 bytes", e);
    }
  }
}
