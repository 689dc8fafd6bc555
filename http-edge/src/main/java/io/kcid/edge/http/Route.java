package io.kcid.edge.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The edge's routes. The {@link #label()} is the only form a path takes in metrics, so raw,
 * sender-controlled paths never become label values.
 */
public enum Route {
  CLICK("/c", "c", HttpMethod.GET),
  POSTBACK("/postback", "postback", HttpMethod.GET, HttpMethod.POST),
  POSTBACKS("/postbacks", "postbacks", HttpMethod.POST),
  HEALTHZ("/healthz", "healthz", HttpMethod.GET),
  READYZ("/readyz", "readyz", HttpMethod.GET),
  METRICS("/metrics", "metrics", HttpMethod.GET),
  /** The web view: every path under {@code /admin/}. */
  ADMIN("/admin/", "admin", HttpMethod.GET, HttpMethod.POST),
  OTHER(null, "other");

  private final String path;
  private final String label;
  private final List<HttpMethod> methods;
  private final String allowHeader;

  Route(String path, String label, HttpMethod... methods) {
    this.path = path;
    this.label = label;
    this.methods = List.of(methods);
    this.allowHeader = this.methods.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
  }

  /** Matches the raw (still percent-encoded) path exactly: {@code /c/} or {@code /%63} are not {@code /c}. */
  public static Route of(String rawPath) {
    for (Route route : values()) {
      if (route.path != null && route.path.equals(rawPath)) {
        return route;
      }
    }
    if (rawPath != null && rawPath.startsWith(ADMIN.path)) {
      return ADMIN;
    }
    return OTHER;
  }

  /** The route's fixed path ({@code /c}, {@code /admin/}), or null for OTHER: never a request's raw path. */
  public String path() {
    return path;
  }

  public String label() {
    return label;
  }

  public boolean allows(HttpMethod method) {
    return methods.contains(method);
  }

  /** Value of the {@code Allow} header of a 405 on this route. */
  public String allowHeader() {
    return allowHeader;
  }
}
