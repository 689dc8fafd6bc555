package io.kcid.edge.limit;

import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Postback rate limits of this edge instance (limits are per instance: N edges behind a load
 * balancer admit up to N times the rate). Per client address, checked before anything else, and per
 * account, identified without a backend call: a digest of the token, else the {@code a}/{@code account}
 * parameter. A refused postback is 429 RATE_LIMITED with {@code Retry-After}; every postback
 * answer carries the IETF draft {@code RateLimit-Limit}, {@code RateLimit-Remaining} and
 * {@code RateLimit-Reset} headers of the tighter of the two buckets.
 */
public final class PostbackRateLimits {
  /** Buckets kept per kind; past it idle ones are swept (see {@link TokenBuckets}). */
  static final int MAX_KEYS = 100_000;

  private final TokenBuckets perIp;
  private final TokenBuckets perAccount;

  /** Rates in postbacks per second (0 = unlimited); buckets hold {@code burstSeconds} of their rate. */
  public PostbackRateLimits(double ratePerIp, double ratePerAccount, double burstSeconds, LongSupplier nanoClock) {
    this.perIp = ratePerIp > 0 ? new TokenBuckets(ratePerIp, Math.max(1, ratePerIp * burstSeconds), MAX_KEYS, nanoClock) : null;
    this.perAccount =
        ratePerAccount > 0 ? new TokenBuckets(ratePerAccount, Math.max(1, ratePerAccount * burstSeconds), MAX_KEYS, nanoClock) : null;
  }

  /** The limits that applied to one request, to decorate its answer. */
  public static final class Applied {
    private TokenBuckets.Decision tightest;

    void add(TokenBuckets.Decision decision) {
      if (tightest == null || decision.remaining() < tightest.remaining()) {
        tightest = decision;
      }
    }

    /** The answer with the rate-limit headers of the tightest bucket. */
    public EdgeResponse decorate(EdgeResponse response) {
      if (tightest == null) {
        return response;
      }
      return response
          .withHeader("RateLimit-Limit", Long.toString(tightest.limit()))
          .withHeader("RateLimit-Remaining", Long.toString(tightest.remaining()))
          .withHeader("RateLimit-Reset", Long.toString(tightest.resetSeconds()));
    }
  }

  /** A fresh record of the limits one request meets. */
  public Applied start() {
    return new Applied();
  }

  /** Charges {@code cost} postbacks to the client address; throws a 429 Rejection past the limit. */
  public void chargeAddress(Applied applied, String clientIp, int cost) {
    if (perIp != null) {
      charge(applied, perIp, addressKey(clientIp), cost, "this address");
    }
  }

  /** Charges {@code cost} postbacks to the account the request names or whose token it carries. */
  public void chargeAccount(Applied applied, String accountId, String token, int cost) {
    if (perAccount == null) {
      return;
    }
    // The token first: anyone can name an account, so a flood naming one must not spend the budget of
    // its senders that hold a token. Signed postbacks (no token) are counted under the account name.
    if (token != null && !token.isEmpty()) {
      charge(applied, perAccount, "t:" + tokenDigest(token), cost, "this account");
    } else if (accountId != null && !accountId.isEmpty()) {
      charge(applied, perAccount, "a:" + accountId, cost, "this account");
    }
  }

  private static void charge(Applied applied, TokenBuckets buckets, String key, int cost, String who) {
    TokenBuckets.Decision decision = buckets.tryTake(key, cost);
    applied.add(decision);
    if (!decision.allowed()) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_RATE_LIMITED,
          "Too many postbacks from " + who + "; retry after " + decision.retryAfterSeconds() + " s.",
          applied::decorate,
          decision.retryAfterSeconds());
    }
  }

  /** IPv4 addresses as they are; IPv6 by /64, the block one subscriber usually holds. */
  static String addressKey(String clientIp) {
    if (clientIp == null || clientIp.indexOf(':') < 0) {
      return clientIp == null ? "" : clientIp;
    }
    try {
      byte[] bytes = InetAddress.getByName(clientIp).getAddress(); // an IP literal: no lookup
      return bytes.length == 16 ? HexFormat.of().formatHex(Arrays.copyOf(bytes, 8)) + "::/64" : clientIp;
    } catch (java.net.UnknownHostException e) {
      return clientIp;
    }
  }

  /** A digest, so no token stays in memory as a map key. */
  private static String tokenDigest(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
