package io.kcid.server.delivery;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A postback URL with {@code {macro}} placeholders, parsed once when the destination is created so
 * that an unknown macro is refused then, not at send time. Values are encoded for their position:
 * a macro in the path is percent-encoded as a path segment, one in the query or fragment as a form
 * value, so a value can never add a parameter or change the host.
 */
public final class PostbackTemplate {
  /** The click's sub id macros, s1 to s10. */
  public static final Set<String> SUB_IDS =
      IntStream.rangeClosed(1, 10).mapToObj(i -> "s" + i).collect(Collectors.toUnmodifiableSet());

  /** Every macro a postback URL may use (documented in docs/deliveries.md). */
  public static final Set<String> MACROS =
      Stream.concat(
              Stream.of(
                  "kcid", "campaign", "creative", "placement", "click_time", "goal", "value",
                  "currency", "txid", "status", "conversion_id", "conversion_time", "account",
                  "partner", "delivery_id", "event", "reporting_value", "reporting_currency"),
              SUB_IDS.stream())
          .collect(Collectors.toUnmodifiableSet());

  private enum Position { LITERAL, PATH, QUERY }

  private record Part(Position position, String text) {}

  private final String source;
  private final List<Part> parts;
  /** The template with a placeholder value for each macro, checked: every rendering's scheme, host and port. */
  private final URI origin;
  /** Where the request target starts in a rendering: the first '/', '?' or '#' after the host. */
  private final int targetStart;
  /** The target of a template without macros. */
  private final RequestTarget fixed;

  private PostbackTemplate(String source, List<Part> parts, URI origin, int targetStart) {
    this.source = source;
    this.parts = parts;
    this.origin = origin;
    this.targetStart = targetStart;
    this.fixed = parts.size() == 1 ? RequestTarget.of(origin) : null;
  }

  /**
   * Parses a template. Refused with INVALID_PARAMETER (metadata {@code field=url}, and
   * {@code macro} for an unknown macro): not http(s), no host, a macro in the scheme or host, an
   * unclosed brace.
   */
  public static PostbackTemplate parse(String url) {
    if (url == null || url.isBlank() || url.length() > 4096) {
      throw invalid("url is required (at most 4096 characters)", Map.of("field", "url"));
    }
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int queryStart = firstOf(url, '?', '#');
    int authorityEnd = url.indexOf('/', url.indexOf("//") + 2);
    int i = 0;
    while (i < url.length()) {
      char c = url.charAt(i);
      if (c != '{') {
        if (c == '}') {
          throw invalid("unbalanced '}' in url", Map.of("field", "url"));
        }
        literal.append(c);
        i++;
        continue;
      }
      int close = url.indexOf('}', i);
      if (close < 0) {
        throw invalid("unclosed '{' in url", Map.of("field", "url"));
      }
      String name = url.substring(i + 1, close);
      if (!MACROS.contains(name)) {
        throw invalid(
            "unknown macro {" + name + "}; known: " + String.join(", ", MACROS.stream().sorted().toList()),
            Map.of("field", "url", "macro", name));
      }
      if (authorityEnd < 0 || i < authorityEnd) {
        throw invalid("macros are not allowed in the scheme or host", Map.of("field", "url", "macro", name));
      }
      parts.add(new Part(Position.LITERAL, literal.toString()));
      literal.setLength(0);
      parts.add(new Part(queryStart >= 0 && i > queryStart ? Position.QUERY : Position.PATH, name));
      i = close + 1;
    }
    parts.add(new Part(Position.LITERAL, literal.toString()));
    URI origin = checkedUri(render(parts, name -> "x"));
    int hostStart = url.indexOf("//") + 2;
    int targetStart = IntStream.of(url.indexOf('/', hostStart), url.indexOf('?', hostStart), url.indexOf('#', hostStart))
        .filter(at -> at >= 0).min().orElse(-1);
    return new PostbackTemplate(url, List.copyOf(parts), origin, targetStart);
  }

  /** The template as given. */
  public String source() {
    return source;
  }

  /** The URI of the template with every macro filled from {@code values} (missing = empty). */
  public URI render(Map<String, String> values) {
    return render(name -> values.getOrDefault(name, ""));
  }

  /** The URI of the template with every macro filled by {@code value} (asked once per placeholder). */
  public URI render(Function<String, String> value) {
    return checkedUri(render(parts, value));
  }

  /**
   * Where the template with every macro filled by {@code value} goes, as {@link #render} would
   * say, without parsing the rendered URL (about half of a postback's rendering time): macros sit
   * after the host, and their values are encoded, so they add no '/', '?' or '#' and the
   * rendering keeps the template's scheme, host and port, and its request target's start.
   */
  public RequestTarget target(Function<String, String> value) {
    if (fixed != null) {
      return fixed;
    }
    String url = render(parts, value);
    int fragment = url.indexOf('#', targetStart);
    String path = url.substring(targetStart, fragment < 0 ? url.length() : fragment);
    return new RequestTarget(origin, path.startsWith("/") ? path : "/" + path);
  }

  private static String render(List<Part> parts, Function<String, String> value) {
    StringBuilder out = new StringBuilder();
    for (Part p : parts) {
      switch (p.position) {
        case LITERAL -> out.append(p.text);
        case QUERY -> out.append(URLEncoder.encode(value.apply(p.text), StandardCharsets.UTF_8));
        case PATH ->
            out.append(URLEncoder.encode(value.apply(p.text), StandardCharsets.UTF_8).replace("+", "%20"));
      }
    }
    return out.toString();
  }

  /** Checks a concrete URL: absolute http(s) with a host. */
  public static URI checkedUri(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid("url is not a valid URI: " + e.getReason(), Map.of("field", "url"));
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw invalid("url must be http or https", Map.of("field", "url"));
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid("url has no host", Map.of("field", "url"));
    }
    if (uri.getUserInfo() != null) {
      throw invalid("url must not carry user info (credentials)", Map.of("field", "url"));
    }
    return uri;
  }

  private static int firstOf(String s, char a, char b) {
    int i = s.indexOf(a);
    int j = s.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }

  private static KcidException invalid(String message, Map<String, String> metadata) {
    return new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER, message, metadata);
  }
}
