package io.kcid.server.auth;

import java.util.Locale;

/** Whether gRPC callers must present an API key. */
public enum AuthMode {
  /** Every method except health and reflection needs a key with the method's role. */
  REQUIRED,
  /**
   * No authentication (a local demo on loopback): a call without a known key has every role on
   * the whole platform; a known key is held to its roles and scope as under REQUIRED. Logged
   * loudly at start.
   */
  OPEN;

  /** {@code required} or {@code open}. */
  public static AuthMode parse(String value) {
    if (value != null) {
      for (AuthMode mode : values()) {
        if (mode.name().equalsIgnoreCase(value.trim())) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException("KCID_AUTH=" + value + ": expected required or open");
  }

  public String lowerCase() {
    return name().toLowerCase(Locale.ROOT);
  }
}
