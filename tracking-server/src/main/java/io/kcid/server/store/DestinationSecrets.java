package io.kcid.server.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A webhook destination's signing secrets as stored: the current one and, after a rotation, the
 * previous one with the end of its grace period.
 *
 * @param current the current secret ("" for none)
 * @param previous the rotated-out secret ("" for none)
 * @param previousExpiry when the previous secret stops signing (null for none)
 */
public record DestinationSecrets(String current, String previous, Instant previousExpiry) {
  public static final DestinationSecrets NONE = new DestinationSecrets("", "", null);

  /** The secrets that sign at {@code now}: the current one first, then the previous one in its grace. */
  public List<String> signingAt(Instant now) {
    List<String> secrets = new ArrayList<>(2);
    if (!current.isEmpty()) {
      secrets.add(current);
    }
    if (!previous.isEmpty() && previousExpiry != null && now.isBefore(previousExpiry)) {
      secrets.add(previous);
    }
    return List.copyOf(secrets);
  }

  @Override
  public String toString() {
    // Never print the secrets themselves.
    return "DestinationSecrets[current=" + !current.isEmpty() + ", previousUntil=" + previousExpiry + "]";
  }
}
