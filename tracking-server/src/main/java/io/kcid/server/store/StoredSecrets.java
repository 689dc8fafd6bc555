package io.kcid.server.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An account's secrets as stored: each one with the previous value and until when that previous
 * value is still accepted (rotation with a grace period). The postback token is stored only as its
 * SHA-256 digest.
 */
public record StoredSecrets(
    String tokenDigest,
    String previousTokenDigest,
    Instant previousTokenExpiry,
    String clickSecret,
    String previousClickSecret,
    Instant previousClickSecretExpiry,
    String signingSecret,
    String previousSigningSecret,
    Instant previousSigningSecretExpiry) {

  public List<String> tokenDigestsAt(Instant now) {
    return valid(tokenDigest, previousTokenDigest, previousTokenExpiry, now);
  }

  public List<String> clickSecretsAt(Instant now) {
    return valid(clickSecret, previousClickSecret, previousClickSecretExpiry, now);
  }

  public List<String> signingSecretsAt(Instant now) {
    return valid(signingSecret, previousSigningSecret, previousSigningSecretExpiry, now);
  }

  private static List<String> valid(String current, String previous, Instant expiry, Instant now) {
    List<String> out = new ArrayList<>(2);
    if (current != null && !current.isEmpty()) {
      out.add(current);
    }
    if (previous != null && !previous.isEmpty() && expiry != null && now.isBefore(expiry)) {
      out.add(previous);
    }
    return out;
  }
}
