package io.kcid.core.kcid;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Mints and checks kcids, the click ids of kcid. The layout is documented here and in {@code
 * core/KCID-FORMAT.md}, which must stay identical.
 *
 * <p>A kcid is 160 bits written as exactly {@value #LENGTH} characters of lower-case Crockford
 * base32 ({@code 0123456789abcdefghjkmnpqrstvwxyz}: no {@code i l o u}). Big-endian bit fields:
 *
 * <table>
 *   <caption>kcid layout, version 1</caption>
 *   <tr><th>bits</th><th>field</th></tr>
 *   <tr><td>4</td><td>version (this layout = 1)</td></tr>
 *   <tr><td>32</td><td>issue time, unsigned seconds since 2020-01-01T00:00:00Z</td></tr>
 *   <tr><td>12</td><td>partition (0..4095)</td></tr>
 *   <tr><td>8</td><td>key id (0..255)</td></tr>
 *   <tr><td>64</td><td>random, from {@link SecureRandom}</td></tr>
 *   <tr><td>40</td><td>MAC: the first 40 bits of HMAC-SHA256(key[key id], the 120 bits above)</td></tr>
 * </table>
 *
 * <p>Decoding is case-insensitive: an upper- or mixed-case kcid resolves to the same kcid. Crockford's
 * aliases ({@code i l o u}) and every other character are rejected, so a single changed character
 * always changes the bits and fails the MAC. A value is diagnosed, without any storage lookup, in
 * this order: missing, literal macro, too short or too long, invalid characters, unsupported
 * version, unknown key id, MAC mismatch, unknown partition.
 *
 * <p>Thread-safe. Minting and decoding use one {@code Mac} per key and thread and lookup tables.
 */
public final class KcidCodec {
  public static final int LENGTH = 32;

  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

  private final KcidKeyRing keys;
  private final int partitions;
  private final KcidMacs macs;
  private final KcidInspector inspector;

  /**
   * @param keys the keys: kcids are minted with the active one and verified with any of them
   * @param partitions how many storage partitions this deployment has, 1..4096
   */
  public KcidCodec(KcidKeyRing keys, int partitions) {
    this.keys = Objects.requireNonNull(keys, "keys");
    if (partitions < 1 || partitions > KcidLayout.MAX_PARTITIONS) {
      throw new IllegalArgumentException("partitions must be in 1..4096 but was " + partitions);
    }
    this.partitions = partitions;
    this.macs = new KcidMacs(keys);
    this.inspector = new KcidInspector(keys, macs, partitions);
  }

  /**
   * A new kcid with the active key. The issue time is kept to the second and must lie between
   * 2020-01-01T00:00:00Z and 2156-02-07T06:28:15Z.
   */
  public String mint(Instant issueTime, int partition) {
    return mintDecoded(issueTime, partition).kcid();
  }

  /** A new kcid in a partition chosen uniformly among this deployment's partitions. */
  public String mintRandomPartition(Instant issueTime) {
    return mintRandomPartitionDecoded(issueTime).kcid();
  }

  /**
   * {@link #mintRandomPartition} with the new kcid's fields, which its caller would otherwise get
   * by decoding it again (a second HMAC).
   */
  public DecodedKcid mintRandomPartitionDecoded(Instant issueTime) {
    // The partition only spreads load; it need not be unpredictable, so a cheap generator is fine.
    return mintDecoded(issueTime, ThreadLocalRandom.current().nextInt(partitions));
  }

  /** This deployment's number of storage partitions. */
  public int partitions() {
    return partitions;
  }

  /** {@link #mint} with the new kcid's fields (no second HMAC to decode it). */
  public DecodedKcid mintDecoded(Instant issueTime, int partition) {
    if (partition < 0 || partition >= partitions) {
      throw new IllegalArgumentException(
          "partition must be in 0.." + (partitions - 1) + " but was " + partition);
    }
    int keyId = keys.active().keyId();
    long seconds = KcidLayout.secondsSinceEpoch(issueTime);
    long random = RANDOM.get().nextLong();
    byte[] bytes = KcidLayout.pack(KcidLayout.VERSION, seconds, partition, keyId, random);
    macs.seal(bytes, keyId);
    return new DecodedKcid(
        Base32.encode(bytes), KcidLayout.VERSION, KcidLayout.toInstant(seconds), partition, keyId, random);
  }

  /**
   * The fields of a valid kcid.
   *
   * @throws io.kcid.core.KcidException with the first reason the value is not a valid kcid
   */
  public DecodedKcid decode(String raw) {
    return inspector.inspect(raw).orThrow();
  }

  /** What is right or wrong with a value; never throws. */
  public KcidDiagnosis inspect(String raw) {
    return inspector.inspect(raw).toDiagnosis();
  }

  /** The canonical form of a kcid: ASCII letters lower-cased, nothing else changed. */
  public static String normalize(String raw) {
    char[] chars = raw.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] >= 'A' && chars[i] <= 'Z') {
        chars[i] = (char) (chars[i] + ('a' - 'A'));
      }
    }
    return new String(chars);
  }

  /**
   * Encodes arbitrary field values with {@code key}, whatever {@code keyId} says; for tests and
   * test vectors (an unsupported version, a forged key id, a fixed random part).
   */
  static String encode(
      int version, long epochSecondsSince2020, int partition, int keyId, long random, KcidKey key) {
    byte[] bytes = KcidLayout.pack(version, epochSecondsSince2020, partition, keyId, random);
    KcidMacs.seal(bytes, key);
    return Base32.encode(bytes);
  }
}
