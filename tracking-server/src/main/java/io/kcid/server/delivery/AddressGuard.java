package io.kcid.server.delivery;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.account.IpAllowlist;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * SSRF protection for destinations: an address is forbidden when it is loopback, private
 * (RFC 1918, unique-local fc00::/7), link-local (incl. the 169.254.169.254 cloud metadata
 * address), carrier-grade NAT (100.64/10), unspecified, multicast or in 0/8, unless the operator's
 * allowlist ({@code KCID_DELIVERY_ALLOWED_NETWORKS}) names it. Checked when a destination is
 * created and again for every address a sender connects to (DNS may answer differently later).
 */
public final class AddressGuard {
  private final IpAllowlist allowed;

  public AddressGuard(List<String> allowedNetworks) {
    this.allowed = IpAllowlist.parse(allowedNetworks);
  }

  /** Whether a sender may connect to this address. */
  public boolean permits(InetAddress address) {
    return !isInternal(address) || allowed.allows(address.getHostAddress());
  }

  /**
   * Resolves {@code host} and refuses it with DESTINATION_ADDRESS_FORBIDDEN when any of its
   * addresses is forbidden; an unresolvable host is INVALID_PARAMETER.
   */
  public List<InetAddress> check(String host) {
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "destination host does not resolve: " + host,
          Map.of("field", "url", "host", host));
    }
    for (InetAddress a : addresses) {
      if (!permits(a)) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_DESTINATION_ADDRESS_FORBIDDEN,
            "destination host " + host + " resolves to " + a.getHostAddress()
                + ", an internal address; an operator can allow it with KCID_DELIVERY_ALLOWED_NETWORKS",
            Map.of("host", host, "address", a.getHostAddress()));
      }
    }
    return List.of(addresses);
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress()
        || a.isSiteLocalAddress() || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240;
    }
    if (a instanceof Inet6Address six && six.isIPv4CompatibleAddress()) {
      return true;
    }
    // fc00::/7 unique local; ::ffff:0:0/96 mapped addresses are returned as Inet4Address by Java.
    return (b[0] & 0xfe) == 0xfc;
  }
}
