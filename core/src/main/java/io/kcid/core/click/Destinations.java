package io.kcid.core.click;

import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_DESTINATION_INVALID;

import io.kcid.core.KcidException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Objects;

/**
 * Destination URLs of clicks: which ones the edge may redirect to, and how the kcid is put in.
 *
 * <p>The rules are strict because the edge must never be an open redirect: browsers read
 * backslashes as slashes, drop tabs and newlines, and treat {@code //host} or {@code https:host}
 * as another origin, so anything a browser might read differently from {@link URI} is refused.
 */
public final class Destinations {
  public static final int MAX_LENGTH = 2048;

  private static final String MACRO = "{kcid}";
  private static final String ENCODED_MACRO = "%7Bkcid%7D";
  private static final int MAX_PARAMETER_NAME = 64;

  private Destinations() {}

  /**
   * The destination as a URI, if the edge may redirect to it: an absolute http(s) URL of at most
   * {@value #MAX_LENGTH} characters with a host, no userinfo, and no control character, space,
   * backslash or non-ASCII character anywhere (percent-encode those). A {@code {kcid}} macro may
   * stand wherever the kcid itself could (path, query, fragment): the URL is checked as it will be
   * once the macro is replaced, and the returned URI holds the macro percent-encoded.
   *
   * @throws KcidException with {@code ERROR_REASON_DESTINATION_INVALID} and a hint otherwise
   */
  public static URI validate(String url) {
    if (url == null || url.isEmpty()) {
      throw invalid("The destination URL is empty.");
    }
    if (url.length() > MAX_LENGTH) {
      throw invalid("The destination URL has " + url.length() + " characters; at most "
          + MAX_LENGTH + " are allowed.");
    }
    checkCharacters(url);
    URI uri;
    try {
      // java.net.URI refuses '{' and '}'; the encoded macro parses and is equally replaceable.
      String macroFree = replaceMacros(url, ENCODED_MACRO);
      uri = new URI(macroFree != null ? macroFree : url);
    } catch (URISyntaxException e) {
      throw invalid("The destination URL is not a valid URL (" + e.getReason() + " at index "
          + e.getIndex() + ").");
    }
    checkScheme(uri);
    checkAuthority(uri);
    return uri;
  }

  /**
   * The destination with the kcid in it: every {@code {kcid}} macro (also percent-encoded as
   * {@code %7Bkcid%7D}, any case) is replaced; without a macro, {@code parameterName=kcid} is
   * appended to the query, before any fragment. Everything else is kept byte for byte.
   *
   * @param destination a URL that passed {@link #validate}
   * @param kcid a kcid (URL-safe, so it is inserted as is)
   * @param parameterName the query parameter for the kcid, {@code [A-Za-z0-9_.-]{1,64}}
   */
  public static String withKcid(String destination, String kcid, String parameterName) {
    Objects.requireNonNull(destination, "destination");
    checkUrlSafe(kcid);
    checkParameterName(parameterName);
    String replaced = replaceMacros(destination, kcid);
    return replaced != null ? replaced : appendParameter(destination, parameterName + "=" + kcid);
  }

  /** Null when there is no macro. */
  private static String replaceMacros(String destination, String replacement) {
    StringBuilder out = null;
    int copied = 0;
    for (int i = 0; i < destination.length(); i++) {
      int macroLength = macroAt(destination, i);
      if (macroLength > 0) {
        out = out != null ? out : new StringBuilder(destination.length() + replacement.length());
        out.append(destination, copied, i).append(replacement);
        copied = i + macroLength;
        i = copied - 1;
      }
    }
    return out == null ? null : out.append(destination, copied, destination.length()).toString();
  }

  private static int macroAt(String text, int index) {
    char first = text.charAt(index);
    if (first != '{' && first != '%') {
      return 0; // most positions: the case-insensitive compares below are per click, per character
    }
    if (text.regionMatches(true, index, MACRO, 0, MACRO.length())) {
      return MACRO.length();
    }
    if (text.regionMatches(true, index, ENCODED_MACRO, 0, ENCODED_MACRO.length())) {
      return ENCODED_MACRO.length();
    }
    return 0;
  }

  private static String appendParameter(String destination, String parameter) {
    int hash = destination.indexOf('#');
    String beforeFragment = hash < 0 ? destination : destination.substring(0, hash);
    String fragment = hash < 0 ? "" : destination.substring(hash);
    String separator;
    if (beforeFragment.indexOf('?') < 0) {
      separator = "?";
    } else if (beforeFragment.endsWith("?") || beforeFragment.endsWith("&")) {
      separator = "";
    } else {
      separator = "&";
    }
    return beforeFragment + separator + parameter + fragment;
  }

  private static void checkCharacters(String url) {
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      String problem = null;
      if (c < 0x20 || c == 0x7F) {
        problem = "a control character (U+" + String.format("%04X", (int) c) + ")";
      } else if (c == ' ') {
        problem = "a space";
      } else if (c == '\\') {
        problem = "a backslash";
      } else if (c > 0x7F) {
        problem = "a non-ASCII character (U+" + String.format("%04X", (int) c) + ")";
      }
      if (problem != null) {
        throw invalid("The destination URL holds " + problem + " at position " + i
            + "; percent-encode it or remove it.", Map.of("position", Integer.toString(i)));
      }
    }
  }

  private static void checkScheme(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw invalid("The destination URL is not absolute: it must start with https:// or http://.");
    }
    if (!scheme.equalsIgnoreCase("https") && !scheme.equalsIgnoreCase("http")) {
      throw invalid("The destination URL's scheme must be http or https.");
    }
    if (uri.isOpaque()) {
      throw invalid("The destination URL must start with https:// or http:// (two slashes).");
    }
  }

  private static void checkAuthority(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()
        || authority.startsWith("/") || authority.startsWith("\\")) {
      throw invalid("The destination URL has no host after its scheme://.");
    }
    if (authority.indexOf('@') >= 0) {
      throw invalid("The destination URL holds a user name or password (an '@' before the host);"
          + " these are not allowed.");
    }
    if (authority.indexOf('%') >= 0) {
      throw invalid("The destination URL's host is percent-encoded; write it plainly"
          + " (internationalized names in punycode, xn--).");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw invalid("The destination URL's host is not a valid host name or IP address.");
    }
    if (uri.getPort() > 65535) {
      throw invalid("The destination URL's port is above 65535.");
    }
  }

  private static void checkUrlSafe(String kcid) {
    Objects.requireNonNull(kcid, "kcid");
    if (kcid.isEmpty() || !kcid.chars().allMatch(PercentEncoding::isUnreserved)) {
      throw new IllegalArgumentException("the kcid must be a non-empty URL-safe value");
    }
  }

  private static void checkParameterName(String name) {
    Objects.requireNonNull(name, "parameterName");
    boolean valid = !name.isEmpty() && name.length() <= MAX_PARAMETER_NAME
        && name.chars().allMatch(c -> PercentEncoding.isUnreserved(c) && c != '~');
    if (!valid) {
      throw new IllegalArgumentException(
          "the kcid parameter name must match [A-Za-z0-9_.-]{1,64}");
    }
  }

  private static KcidException invalid(String hint) {
    return new KcidException(ERROR_REASON_DESTINATION_INVALID, hint);
  }

  private static KcidException invalid(String hint, Map<String, String> metadata) {
    return new KcidException(ERROR_REASON_DESTINATION_INVALID, hint, metadata);
  }
}
