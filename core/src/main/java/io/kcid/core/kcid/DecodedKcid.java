package io.kcid.core.kcid;

import java.time.Instant;
import java.util.Objects;

/**
 * The fields of a kcid whose layout could be read.
 *
 * @param kcid the normalized (lower-case) kcid string
 * @param version the layout version
 * @param issueTime when the kcid was minted, to the second
 * @param partition the storage partition
 * @param keyId the id of the key its MAC was made with
 * @param random the random part
 */
public record DecodedKcid(
    String kcid, int version, Instant issueTime, int partition, int keyId, long random) {
  public DecodedKcid {
    Objects.requireNonNull(kcid, "kcid");
    Objects.requireNonNull(issueTime, "issueTime");
  }
}
