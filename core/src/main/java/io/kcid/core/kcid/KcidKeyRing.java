package io.kcid.core.kcid;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The kcid keys of a deployment. New kcids are minted with the active key; a kcid verifies with
 * any key of the ring, so keys rotate by adding a new key, making it active, and dropping the old
 * one once its kcids no longer matter.
 *
 * <p>Text form (see {@link #parse} and {@link #toSpec()}): {@code 1:<base64url>,2:<base64url>}.
 */
public final class KcidKeyRing {
  private static final int GENERATED_SECRET_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<KcidKey> keys;
  private final KcidKey[] byId = new KcidKey[KcidLayout.MAX_KEY_ID + 1];
  private final KcidKey active;

  public KcidKeyRing(List<KcidKey> keys, int activeKeyId) {
    this.keys = List.copyOf(keys);
    if (this.keys.isEmpty()) {
      throw new IllegalArgumentException("a kcid key ring needs at least one key");
    }
    for (KcidKey key : this.keys) {
      if (byId[key.keyId()] != null) {
        throw new IllegalArgumentException("key id " + key.keyId() + " appears twice in the ring");
      }
      byId[key.keyId()] = key;
    }
    this.active = find(activeKeyId)
        .orElseThrow(() -> new IllegalArgumentException(
            "the active key id " + activeKeyId + " is not in the ring " + keyIds()));
  }

  /**
   * Parses {@code <keyId>:<base64url secret>} entries separated by commas; base64url may be
   * padded or not and blanks around entries are ignored. Error messages never echo a secret.
   */
  public static KcidKeyRing parse(String spec, int activeKeyId) {
    Objects.requireNonNull(spec, "spec");
    List<KcidKey> keys = new ArrayList<>();
    String[] entries = spec.split(",", -1);
    for (int i = 0; i < entries.length; i++) {
      keys.add(parseEntry(entries[i].strip(), i + 1));
    }
    return new KcidKeyRing(keys, activeKeyId);
  }

  /** A ring of one fresh random {@value #GENERATED_SECRET_BYTES}-byte key, e.g. for development. */
  public static KcidKeyRing generate(int keyId) {
    byte[] secret = new byte[GENERATED_SECRET_BYTES];
    RANDOM.nextBytes(secret);
    return new KcidKeyRing(List.of(new KcidKey(keyId, secret)), keyId);
  }

  /** The inverse of {@link #parse}: unpadded base64url, keys in ring order. Holds the secrets. */
  public String toSpec() {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    StringBuilder spec = new StringBuilder();
    for (KcidKey key : keys) {
      if (spec.length() > 0) {
        spec.append(',');
      }
      spec.append(key.keyId()).append(':').append(encoder.encodeToString(key.secret()));
    }
    return spec.toString();
  }

  /** The key new kcids are minted with. */
  public KcidKey active() {
    return active;
  }

  public Optional<KcidKey> find(int keyId) {
    return keyId >= 0 && keyId < byId.length ? Optional.ofNullable(byId[keyId]) : Optional.empty();
  }

  /** Every key, in the order given. */
  public List<KcidKey> keys() {
    return keys;
  }

  @Override
  public String toString() {
    return "KcidKeyRing[keyIds=" + keyIds() + ", active=" + active.keyId() + "]";
  }

  private List<Integer> keyIds() {
    return keys.stream().map(KcidKey::keyId).toList();
  }

  private static KcidKey parseEntry(String entry, int number) {
    String expected = "expected <keyId>:<base64url secret>, comma-separated, key ids 0..255";
    int colon = entry.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("kcid key entry #" + number + " has no ':'; " + expected);
    }
    int keyId = parseKeyId(entry.substring(0, colon).strip(), number, expected);
    byte[] secret;
    try {
      secret = Base64.getUrlDecoder().decode(entry.substring(colon + 1).strip());
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character: drop it, it is part of a secret.
      throw new IllegalArgumentException(
          "the secret of kcid key id " + keyId + " is not base64url (A-Z a-z 0-9 - _)");
    }
    return new KcidKey(keyId, secret);
  }

  private static int parseKeyId(String text, int number, String expected) {
    boolean digits = !text.isEmpty() && text.length() <= 3 && text.chars().allMatch(Character::isDigit);
    int keyId = digits ? Integer.parseInt(text) : -1;
    if (keyId < 0 || keyId > KcidLayout.MAX_KEY_ID) {
      throw new IllegalArgumentException(
          "kcid key entry #" + number + " does not start with a key id 0..255; " + expected);
    }
    return keyId;
  }
}
