package io.kcid.edge.net;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The sender's address as the edge forwards it ({@code PostbackCredentials.client_ip}): the TCP peer,
 * unless the peer is a trusted proxy. Then {@code X-Forwarded-For} is read from the right, skipping
 * the addresses that are themselves trusted proxies; the first one that is not is the client. Only
 * trusted hops can vouch for what lies to their left, so a client cannot forge its address by
 * sending its own {@code X-Forwarded-For}.
 */
public final class ClientIpResolver {
  private final List<Cidr> trustedProxies;

  public ClientIpResolver(List<String> trustedProxies) {
    List<Cidr> parsed = new ArrayList<>();
    for (String block : trustedProxies) {
      parsed.add(Cidr.parse(block));
    }
    this.trustedProxies = List.copyOf(parsed);
  }

  /**
   * The client address, or "" when the peer is not an IP socket (never the case on a real connection).
   *
   * @param peer the connection's remote address
   * @param forwardedFor every {@code X-Forwarded-For} header value, in order (possibly empty)
   */
  public String resolve(SocketAddress peer, List<String> forwardedFor) {
    if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return "";
    }
    byte[] current = IpAddresses.normalize(inet.getAddress().getAddress());
    if (!trusted(current) || forwardedFor.isEmpty()) {
      return IpAddresses.format(current);
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      for (String hop : header.split(",", -1)) {
        hops.add(hop);
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      byte[] hop = IpAddresses.parse(hops.get(i));
      if (hop == null) {
        // A trusted proxy passed on something that is not an address: nothing left of it can be
        // believed, so the client is the last hop we could identify.
        break;
      }
      current = hop;
      if (!trusted(hop)) {
        break;
      }
    }
    return IpAddresses.format(current);
  }

  private boolean trusted(byte[] address) {
    for (Cidr block : trustedProxies) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
