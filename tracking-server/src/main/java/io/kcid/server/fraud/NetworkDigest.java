package io.kcid.server.fraud;

import com.google.common.net.InetAddresses;
import io.kcid.server.common.Secrets;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * What a click keeps of its address for the velocity rule: 32 bits of a digest of its /24 (IPv4) or
 * /48 (IPv6) network, never the address. Two clicks of one network share the digest; the address
 * cannot be read back from it. 0 means "not kept" (an unparseable address hashes to no network).
 */
public final class NetworkDigest {
  private static final int IPV4_KEPT_BYTES = 3;
  private static final int IPV6_KEPT_BYTES = 6;

  private NetworkDigest() {}

  /** The digest of {@code address}'s network, or 0 when it is no IP literal. */
  public static int of(String address) {
    if (address == null || address.isEmpty() || !InetAddresses.isInetAddress(address)) {
      return 0;
    }
    InetAddress ip = InetAddresses.forString(address);
    byte[] network = Arrays.copyOf(ip.getAddress(), ip instanceof Inet4Address ? IPV4_KEPT_BYTES : IPV6_KEPT_BYTES);
    byte[] digest = Secrets.sha256(network);
    int value = ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8) | (digest[3] & 0xff);
    return value == 0 ? 1 : value;
  }
}
