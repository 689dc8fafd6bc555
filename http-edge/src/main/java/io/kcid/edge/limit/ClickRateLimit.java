package io.kcid.edge.limit;

import io.kcid.edge.config.AbuseLimits;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.net.Cidr;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.net.IpAddresses;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * The per-address limit of click redirects ({@code /c}), checked before the click is parsed or sent
 * to the backend. A limited click is answered 429 RATE_LIMITED with {@code Retry-After} and no
 * {@code Location}: the edge redirects only to a destination the tracking-server signed off, so a
 * limited click is never an unchecked redirect, and it is not recorded (the sender may retry).
 * Addresses in the exempt blocks (ad servers) are never limited. Memory is bounded by
 * {@link TokenBuckets}: {@value #MAX_KEYS} addresses, idle ones swept (an address's bucket is full
 * again 1/rate seconds after its last click, so a sprayed address is gone at the next sweep).
 */
public final class ClickRateLimit {
  /** Addresses tracked at once, as for postbacks. */
  static final int MAX_KEYS = PostbackRateLimits.MAX_KEYS;

  private final TokenBuckets perAddress;
  private final List<Cidr> exempt;
  private final ClientIpResolver clientIps;

  /** @param clientIps resolves the client address (the TCP peer, or a trusted proxy's X-Forwarded-For) */
  public ClickRateLimit(AbuseLimits limits, ClientIpResolver clientIps, LongSupplier nanoClock) {
    this.perAddress = limits.clickRatePerSecond() > 0
        ? new TokenBuckets(limits.clickRatePerSecond(), limits.clickBurst(), MAX_KEYS, nanoClock)
        : null;
    List<Cidr> blocks = new ArrayList<>();
    for (String block : limits.clickExempt()) {
      blocks.add(Cidr.parse(block));
    }
    this.exempt = List.copyOf(blocks);
    this.clientIps = clientIps;
  }

  /** {@code clicks}, behind this limit (itself when the limit is off). */
  public RouteHandler wrap(RouteHandler clicks) {
    if (perAddress == null) {
      return clicks;
    }
    return new RouteHandler() {
      @Override
      public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
        return handle(request, null);
      }

      @Override
      public CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
        charge(clientIps.resolve(peer, request.headers().getAll("X-Forwarded-For")));
        return clicks.handle(request, peer);
      }
    };
  }

  /** Takes one click from the address's bucket; throws the 429 past the limit. */
  void charge(String clientIp) {
    if (isExempt(clientIp)) {
      return;
    }
    TokenBuckets.Decision decision = perAddress.tryTake(PostbackRateLimits.addressKey(clientIp), 1);
    if (!decision.allowed()) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_RATE_LIMITED,
          "Too many clicks from this address; retry after " + decision.retryAfterSeconds() + " s.",
          UnaryOperator.<EdgeResponse>identity(),
          decision.retryAfterSeconds());
    }
  }

  private boolean isExempt(String clientIp) {
    if (exempt.isEmpty() || clientIp == null || clientIp.isEmpty()) {
      return false;
    }
    byte[] address = IpAddresses.parse(clientIp);
    if (address == null) {
      return false;
    }
    for (Cidr block : exempt) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Addresses tracked now (for tests). */
  int trackedAddresses() {
    return perAddress == null ? 0 : perAddress.size();
  }
}
