package io.kcid.core.click;

import io.kcid.core.Hmac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Signs and verifies click URLs: {@code sig = base64url(HMAC-SHA256(click secret, canonical
 * query))} without padding. The canonical query and a worked example are in {@code
 * core/KCID-FORMAT.md} ("Click URL signing"); test vectors shared by every language are in {@code
 * click-signing-vectors.json}.
 */
public final class ClickUrlSigner {
  /** The parameters a click URL may carry besides {@code sig}. */
  public static final List<String> PARAMETERS = List.of(
      "a", "c", "cr", "p",
      "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10",
      "u");

  /** The parameter holding the signature; never part of what is signed. */
  public static final String SIGNATURE_PARAMETER = "sig";


  private ClickUrlSigner() {}

  /**
   * The bytes a signature covers: every parameter but {@code sig} with a non-empty value, sorted by
   * name ({@link String} order), name and value RFC 3986-encoded as UTF-8 ({@code %20} for a
   * space, upper-case hex), joined as {@code name=value} with {@code &}.
   *
   * @throws IllegalArgumentException for an empty name or text with an unpaired surrogate
   */
  public static String canonicalQuery(Map<String, String> params) {
    TreeMap<String, String> sorted = new TreeMap<>();
    params.forEach((name, value) -> {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("a click parameter name must not be empty");
      }
      if (!name.equals(SIGNATURE_PARAMETER) && value != null && !value.isEmpty()) {
        sorted.put(name, value);
      }
    });
    StringBuilder query = new StringBuilder();
    sorted.forEach((name, value) -> {
      if (query.length() > 0) {
        query.append('&');
      }
      query.append(PercentEncoding.encode(name)).append('=').append(PercentEncoding.encode(value));
    });
    return query.toString();
  }

  /**
   * base64url, without padding, of HMAC-SHA256 keyed with the UTF-8 bytes of the secret.
   *
   * @throws IllegalArgumentException for an empty secret (accounts never have one)
   */
  public static String sign(String clickSecret, String canonicalQuery) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(clickSecret, canonicalQuery));
  }

  /**
   * Whether {@code signature} is exactly the signature of the canonical query, compared in
   * constant time. A malformed or missing signature, or an empty secret, is simply false.
   */
  public static boolean verify(String clickSecret, String canonicalQuery, String signature) {
    if (signature == null || clickSecret == null || clickSecret.isEmpty()) {
      return false;
    }
    // Comparing the canonical text (not decoded bytes) also refuses padded or non-canonical
    // base64 spellings of the right MAC: one URL, one signature.
    byte[] expected = sign(clickSecret, canonicalQuery).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code <edge>/c?<canonical query>&sig=<signature>}; trailing slashes of the base are dropped. */
  public static String signedUrl(String edgeBaseUrl, Map<String, String> params, String clickSecret) {
    String base = Objects.requireNonNull(edgeBaseUrl, "edgeBaseUrl");
    int end = base.length();
    while (end > 0 && base.charAt(end - 1) == '/') {
      end--;
    }
    String query = canonicalQuery(params);
    return base.substring(0, end) + "/c?" + query + (query.isEmpty() ? "" : "&")
        + SIGNATURE_PARAMETER + "=" + sign(clickSecret, query);
  }

  private static byte[] mac(String clickSecret, String canonicalQuery) {
    Objects.requireNonNull(canonicalQuery, "canonicalQuery");
    return Hmac.sha256(clickSecret, canonicalQuery.getBytes(StandardCharsets.UTF_8));
  }
}
