package io.kcid.edge.config;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags of {@link AbuseLimits} (a picocli mixin of {@code edge}); every flag has an env default. */
public final class AbuseLimitOptions {
  @Option(names = "--click-limit-rate", defaultValue = "${env:KCID_EDGE_CLICK_LIMIT_RATE:-20}",
      description = "Click redirects per second per client address, per edge instance; 0 = unlimited (env KCID_EDGE_CLICK_LIMIT_RATE, default ${DEFAULT-VALUE}).")
  double clickRate;

  @Option(names = "--click-limit-burst", defaultValue = "${env:KCID_EDGE_CLICK_LIMIT_BURST:-100}",
      description = "Clicks one address may send at once before the rate applies (env KCID_EDGE_CLICK_LIMIT_BURST, default ${DEFAULT-VALUE}).")
  int clickBurst;

  @Option(names = "--click-limit-exempt", defaultValue = "${env:KCID_EDGE_CLICK_LIMIT_EXEMPT:-}",
      description = "Comma-separated IP addresses or CIDR blocks whose clicks are never limited, e.g. ad servers that redirect server-side (env KCID_EDGE_CLICK_LIMIT_EXEMPT, default none).")
  String clickExempt;

  @Option(names = "--login-limit", defaultValue = "${env:KCID_EDGE_LOGIN_LIMIT:-10}",
      description = "Failed admin sign-ins per minute per client address (3x per key prefix), then 429; 0 = unlimited (env KCID_EDGE_LOGIN_LIMIT, default ${DEFAULT-VALUE}).")
  int loginLimit;

  /**
   * The validated limits.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public AbuseLimits config() {
    List<String> exempt = new ArrayList<>();
    if (clickExempt != null) {
      for (String block : clickExempt.split(",")) {
        if (!block.isBlank()) {
          exempt.add(block.trim());
        }
      }
    }
    return new AbuseLimits(clickRate, clickBurst, exempt, loginLimit);
  }
}
