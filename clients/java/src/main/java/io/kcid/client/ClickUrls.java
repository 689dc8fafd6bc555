package io.kcid.client;

import io.kcid.core.click.ClickUrlSigner;
import java.util.Map;

/**
 * Click-URL signing for ad servers: what the http-edge's {@code GET /c} verifies. Delegates to
 * {@link ClickUrlSigner} of kcid-core, the implementation the edge itself uses, so client and
 * server cannot drift apart. Spec: {@code core/KCID-FORMAT.md} ("Click URL signing").
 */
public final class ClickUrls {
  /** The parameters a click URL may carry besides {@code sig}: a, c, cr, p, s1..s10, u. */
  public static final java.util.List<String> PARAMETERS = ClickUrlSigner.PARAMETERS;

  private ClickUrls() {}

  /**
   * The signed bytes: every parameter but {@code sig} with a non-empty value, sorted by name,
   * RFC 3986-encoded (upper-case hex, {@code %20} for a space), joined as {@code name=value&...}.
   */
  public static String canonicalQuery(Map<String, String> params) {
    return ClickUrlSigner.canonicalQuery(params);
  }

  /** base64url without padding of HMAC-SHA256(UTF-8 bytes of the click secret, canonical query). */
  public static String sign(String clickSecret, String canonicalQuery) {
    return ClickUrlSigner.sign(clickSecret, canonicalQuery);
  }

  /** {@code <edgeBaseUrl>/c?<canonical query>&sig=<signature>}; trailing slashes of the base are dropped. */
  public static String signedUrl(String edgeBaseUrl, Map<String, String> params, String clickSecret) {
    return ClickUrlSigner.signedUrl(edgeBaseUrl, params, clickSecret);
  }

  /** Whether {@code signature} is the signature of {@code canonicalQuery} (constant-time compare). */
  public static boolean verify(String clickSecret, String canonicalQuery, String signature) {
    return ClickUrlSigner.verify(clickSecret, canonicalQuery, signature);
  }
}
