package io.kcid.server.auth;

import java.util.Locale;

/** Whether gRPC callers must present an API key. */
public enum AuthMode {
  /** Every method except health and reflection needs a key with the method's role. */
  REQUIRED,
  /**
   * Calls without a key are let through with every role (a local demo on loopback); a key that is
   * presented is still checked, so a misconfigured client is noticed before production.
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
