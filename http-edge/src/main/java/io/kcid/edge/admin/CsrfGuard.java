package io.kcid.edge.admin;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * Refuses forged form submissions to the web view. Two independent checks, both needed:
 * <ul>
 *   <li>the browser's own word on where the form came from: {@code Sec-Fetch-Site} must be
 *       {@code same-origin} (or {@code none}, a user's own navigation) and {@code Origin}, when sent,
 *       must be this listener's origin (the pages send {@code Referrer-Policy: same-origin} so that
 *       Chromium sends the real origin on a same-origin POST rather than {@code null});</li>
 *   <li>the session's anti-forgery token (256 random bits, minted with the session) in the form's
 *       hidden field, compared in constant time: a site that cannot read the view's pages cannot
 *       know it, and clients that send no fetch metadata (curl, older browsers) still need it.</li>
 * </ul>
 * The session cookie is {@code SameSite=Strict} as well; these checks do not rely on it.
 */
final class CsrfGuard {
  /** The form field every action form carries. */
  static final String FIELD = "csrf";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final boolean https;

  /** @param https the listener serves HTTPS: the origin a form must come from is {@code https://host} */
  CsrfGuard(boolean https) {
    this.https = https;
  }

  /** A new session's token: 32 random bytes, base64url. */
  static String newToken() {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * Why a state-changing request must be refused, or null when it may proceed.
   *
   * @param headers the request's headers
   * @param sessionToken the signed-in session's token
   * @param presented the form's token, null when absent
   */
  ErrorReason refusal(HttpHeaders headers, String sessionToken, String presented) {
    if (crossSite(headers)) {
      return ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST;
    }
    return matches(sessionToken, presented) ? null : ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID;
  }

  /**
   * Whether the browser says the request comes from another site. Alone it guards the sign-in and
   * sign-out forms, which have no session token yet (or end it): another site can neither sign a
   * victim in with the attacker's key nor sign them out.
   */
  boolean crossSite(HttpHeaders headers) {
    String fetchSite = headers.get("Sec-Fetch-Site");
    if (fetchSite != null) {
      String site = fetchSite.trim().toLowerCase(Locale.ROOT);
      if (!site.equals("same-origin") && !site.equals("none")) {
        return true;
      }
    }
    String origin = headers.get(HttpHeaderNames.ORIGIN);
    return origin != null && !origin.equalsIgnoreCase(expectedOrigin(headers.get(HttpHeaderNames.HOST)));
  }

  /** The origin of this listener as the browser addressed it; "null" (never matching) without a Host. */
  private String expectedOrigin(String host) {
    if (host == null || host.isBlank()) {
      return "\u0000no-host";
    }
    return (https ? "https://" : "http://") + host.trim();
  }

  /** Constant-time comparison: the time taken says nothing about how much of the token was right. */
  static boolean matches(String expected, String presented) {
    if (expected == null || expected.isEmpty() || presented == null) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
