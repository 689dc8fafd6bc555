package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Delivery ids: {@code "dlv_"} + 26 lower-case base32 characters of the first 128 bits of
 * sha256({@code "<partition>|<outbox entry id>|<owner>|<destination id>"}). Derived from the
 * outbox entry, so every dispatch of the same entry (a worker died before acknowledging it) names
 * the same jobs, and a receiver deduplicating on it sees one event.
 */
public final class DeliveryIds {
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private DeliveryIds() {}

  public static String of(int partition, String entryId, String owner, String destinationId) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256")
          .digest((partition + "|" + entryId + "|" + owner + "|" + destinationId).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder id = new StringBuilder("dlv_");
    int buffer = 0;
    int bits = 0;
    for (int i = 0; i < 16; i++) {
      buffer = (buffer << 8) | (digest[i] & 0xff);
      bits += 8;
      while (bits >= 5) {
        id.append(BASE32[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    id.append(BASE32[(buffer << (5 - bits)) & 31]); // 128 = 25 x 5 + 3: the last 3 bits, padded
    return id.toString();
  }

  /** The owner of a destination as jobs name it: {@code "a:<account>"} or {@code "p:<partner>"}. */
  public static String owner(Destination d) {
    return d.getPartnerId().isEmpty() ? "a:" + d.getAccountId() : "p:" + d.getPartnerId();
  }
}
