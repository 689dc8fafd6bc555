package io.kcid.core.kcid;

import java.time.Instant;

/**
 * Packs and unpacks the 20 bytes (160 bits) of a kcid, big-endian; see {@link KcidCodec} for the
 * table. The fields are chosen so that every boundary after the time field falls on a byte:
 *
 * <pre>
 * byte 0      version(4) | time[31..28]
 * bytes 1..3  time[27..4]
 * byte 4      time[3..0] | partition[11..8]
 * byte 5      partition[7..0]
 * byte 6      key id
 * bytes 7..14 random
 * bytes 15..19 MAC over bytes 0..14
 * </pre>
 */
final class KcidLayout {
  static final int VERSION = 1;
  static final int BYTES = 20;
  /** Bytes covered by the MAC: everything before it. */
  static final int BODY_BYTES = 15;
  static final int MAC_BYTES = BYTES - BODY_BYTES;

  static final int MAX_VERSION = 0xF;
  static final long MAX_SECONDS = 0xFFFF_FFFFL;
  static final int MAX_PARTITIONS = 1 << 12;
  static final int MAX_KEY_ID = 0xFF;

  /** Zero of the issue-time field. */
  static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");

  private KcidLayout() {}

  /** A 20-byte array with the body filled in and the MAC bytes still zero. */
  static byte[] pack(int version, long seconds, int partition, int keyId, long random) {
    checkRange("version", version, 0, MAX_VERSION);
    checkRange("issue time (seconds since 2020-01-01)", seconds, 0, MAX_SECONDS);
    checkRange("partition", partition, 0, MAX_PARTITIONS - 1);
    checkRange("key id", keyId, 0, MAX_KEY_ID);
    byte[] b = new byte[BYTES];
    b[0] = (byte) ((version << 4) | (int) (seconds >>> 28));
    b[1] = (byte) (seconds >>> 20);
    b[2] = (byte) (seconds >>> 12);
    b[3] = (byte) (seconds >>> 4);
    b[4] = (byte) (((int) seconds & 0xF) << 4 | partition >>> 8);
    b[5] = (byte) partition;
    b[6] = (byte) keyId;
    for (int i = 0; i < 8; i++) {
      b[7 + i] = (byte) (random >>> (56 - 8 * i));
    }
    return b;
  }

  static int version(byte[] b) {
    return (b[0] & 0xFF) >>> 4;
  }

  static long seconds(byte[] b) {
    return ((long) (b[0] & 0x0F) << 28)
        | ((b[1] & 0xFFL) << 20)
        | ((b[2] & 0xFFL) << 12)
        | ((b[3] & 0xFFL) << 4)
        | ((b[4] & 0xFFL) >>> 4);
  }

  static int partition(byte[] b) {
    return (b[4] & 0x0F) << 8 | (b[5] & 0xFF);
  }

  static int keyId(byte[] b) {
    return b[6] & 0xFF;
  }

  static long random(byte[] b) {
    long random = 0;
    for (int i = 7; i < BODY_BYTES; i++) {
      random = (random << 8) | (b[i] & 0xFF);
    }
    return random;
  }

  static long secondsSinceEpoch(Instant time) {
    // getEpochSecond() floors, so sub-second precision is dropped, never rounded up.
    return time.getEpochSecond() - EPOCH.getEpochSecond();
  }

  static Instant toInstant(long seconds) {
    return EPOCH.plusSeconds(seconds);
  }

  private static void checkRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be in " + min + ".." + max + " but was " + value);
    }
  }
}
