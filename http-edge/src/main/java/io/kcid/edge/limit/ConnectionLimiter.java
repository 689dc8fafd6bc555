package io.kcid.edge.limit;

import io.kcid.edge.net.Cidr;
import io.kcid.edge.net.IpAddresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the connections one listener holds open: per client address (the TCP peer; an IPv6 /64 is
 * one address, as for the rate limits) and in all. A connection is counted from {@link #admit} until
 * it closes. Trusted proxies are exempt from the per-address cap (every client behind them shares
 * their address; they must cap per client themselves) but not from the global one. Thread-safe.
 */
public final class ConnectionLimiter {
  /** What {@link #admit} decided. */
  public enum Admission {
    ADMITTED,
    /** The address already holds its share: answered 429 RATE_LIMITED, then closed. */
    ADDRESS_FULL,
    /** The listener holds its most: answered 503 TOO_MANY_CONNECTIONS, then closed. */
    LISTENER_FULL
  }

  private final int maxPerAddress;
  private final int maxConnections;
  private final List<Cidr> exempt;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<Object, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final Counter refusedAddress;
  private final Counter refusedListener;

  /**
   * @param trustedProxies IP addresses or CIDR blocks exempt from the per-address cap
   * @param listener the listener's name in metrics ({@code public} or {@code admin})
   */
  public ConnectionLimiter(int maxPerAddress, int maxConnections, List<String> trustedProxies, MeterRegistry registry, String listener) {
    this.maxPerAddress = maxPerAddress;
    this.maxConnections = maxConnections;
    List<Cidr> blocks = new ArrayList<>();
    for (String block : trustedProxies) {
      blocks.add(Cidr.parse(block));
    }
    this.exempt = List.copyOf(blocks);
    Gauge.builder("kcid.edge.connections.open", open, AtomicInteger::get)
        .description("Connections the listener holds open")
        .tag("listener", listener)
        .register(registry);
    refusedAddress = refused(registry, listener, "per_address");
    refusedListener = refused(registry, listener, "listener");
  }

  private static Counter refused(MeterRegistry registry, String listener, String cap) {
    return Counter.builder("kcid.edge.connections.refused")
        .description("Connections answered 429/503 and closed at once because a connection cap was reached")
        .tag("listener", listener)
        .tag("cap", cap)
        .register(registry);
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /**
   * Counts {@code channel} until it closes, or refuses it (then it is not counted). Call once per
   * accepted connection.
   */
  public Admission admit(Channel channel) {
    Object key = key(channel.remoteAddress());
    AtomicInteger count = null;
    if (key != null) {
      count = perAddress.compute(key, (k, c) -> {
        AtomicInteger counter = c == null ? new AtomicInteger() : c;
        counter.incrementAndGet();
        return counter;
      });
      if (count.get() > maxPerAddress) {
        release(key);
        refusedAddress.increment();
        return Admission.ADDRESS_FULL;
      }
    }
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      if (key != null) {
        release(key);
      }
      refusedListener.increment();
      return Admission.LISTENER_FULL;
    }
    Object counted = key;
    channel.closeFuture().addListener(f -> {
      open.decrementAndGet();
      if (counted != null) {
        release(counted);
      }
    });
    return Admission.ADMITTED;
  }

  private void release(Object key) {
    perAddress.computeIfPresent(key, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
  }

  /** The per-address key: an IPv4 address, an IPv6 /64, or null when the peer is exempt or not an IP socket. */
  private Object key(SocketAddress peer) {
    if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return null;
    }
    byte[] address = IpAddresses.normalize(inet.getAddress().getAddress());
    for (Cidr block : exempt) {
      if (block.contains(address)) {
        return null;
      }
    }
    long prefix = 0;
    for (int i = 0; i < Math.min(8, address.length); i++) {
      prefix = (prefix << 8) | (address[i] & 0xff);
    }
    return address.length == 4 ? (Object) Integer.valueOf((int) prefix) : (Object) Long.valueOf(prefix);
  }
}
